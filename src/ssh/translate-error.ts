import { AuthError, ConnectError, FleetError, TimeoutError, type FleetErrorDetails } from '../core/errors.js';

interface Ssh2Error extends Error {
  level?: string;
  code?: string;
}

const NETWORK_REASONS: Record<string, NonNullable<FleetErrorDetails['reason']>> = {
  ENOTFOUND: 'dns',
  EAI_AGAIN: 'dns',
  ECONNREFUSED: 'refused',
  ECONNRESET: 'reset',
  EPIPE: 'reset',
  ETIMEDOUT: 'timeout',
  EHOSTUNREACH: 'unreachable',
  ENETUNREACH: 'unreachable',
  EHOSTDOWN: 'unreachable',
};

function networkAdvice(reason: NonNullable<FleetErrorDetails['reason']>, where: string, givenOn?: 'cli' | 'inventory'): string {
  switch (reason) {
    case 'dns':
      return givenOn === 'cli'
        ? `cannot resolve ${where}; check the name, or give it a HostName in ~/.ssh/config (or the file of -F)`
        : `cannot resolve ${where}; check the name or set address: in the inventory`;
    case 'refused':
      return `connection refused by ${where}; is sshd running and is the port right?`;
    case 'reset':
      return `connection to ${where} was reset; the host or a firewall dropped it`;
    case 'timeout':
      return `no answer from ${where}; the host may be down or hung, or a firewall drops the traffic`;
    case 'unreachable':
      return `${where} is unreachable from here; check the network route`;
    default:
      return `connection to ${where} failed`;
  }
}

/**
 * Turns whatever ssh2 or the socket threw while connecting into the FleetError taxonomy — the one place that
 * knows ssh2's `err.level` strings and Node's socket error codes.
 */
export function translateConnectError(
  err: unknown,
  ctx: { host: string; address: string; port: number; user: string; connectTimeoutMs: number; via?: string; givenOn?: 'cli' | 'inventory' },
): FleetError {
  if (err instanceof FleetError) return err;
  const e = (err instanceof Error ? err : new Error(String(err))) as Ssh2Error;
  const where = `${ctx.address}:${ctx.port}${ctx.via ? ` (via ${ctx.via})` : ''}`;
  if (e.level === 'client-authentication') {
    return new AuthError(
      `${ctx.host}: authentication as ${ctx.user} failed (${e.message}); check the user, password or identity file, ` +
        `and that the key is in ~${ctx.user}/.ssh/authorized_keys on the host`,
      { host: ctx.host, cause: e },
    );
  }
  if (e.level === 'agent') {
    return new AuthError(`${ctx.host}: the ssh-agent failed (${e.message}); check SSH_AUTH_SOCK`, {
      host: ctx.host,
      cause: e,
    });
  }
  if (e.level === 'client-timeout') {
    return new ConnectError(
      `${ctx.host}: timed out after ${ctx.connectTimeoutMs} ms connecting to ${where} (no SSH handshake); ` +
        'the host may be down or hung; raise --connect-timeout if it is just slow',
      { host: ctx.host, reason: 'timeout', phase: 'connect', timeoutMs: ctx.connectTimeoutMs, cause: e },
    );
  }
  const reason = (e.code && NETWORK_REASONS[e.code]) || (e.level === 'client-socket' ? 'closed' : 'other');
  if (reason === 'closed' || reason === 'other') {
    return new ConnectError(`${ctx.host}: connection to ${where} failed: ${e.message}`, {
      host: ctx.host,
      reason,
      cause: e,
    });
  }
  return new ConnectError(`${ctx.host}: ${networkAdvice(reason, where, ctx.givenOn)} (${e.code})`, {
    host: ctx.host,
    reason,
    cause: e,
  });
}

/** A connection that dies after it was ready (keepalive expiry, reset) is a ConnectError too. */
export function lostConnectionError(host: string, err: unknown): FleetError {
  if (err instanceof FleetError) return err;
  const e = err as Ssh2Error | undefined;
  // The host stopped answering: it is no longer reached (unreachable), whatever the command was doing.
  if (e?.level === 'client-timeout') {
    return new ConnectError(`${host}: the host stopped answering keepalives; it is hung or the network dropped`, {
      host,
      reason: 'timeout',
      cause: e,
    });
  }
  return new ConnectError(`${host}: connection lost${e?.message ? ` (${e.message})` : ''}`, {
    host,
    reason: 'reset',
    cause: e,
  });
}
