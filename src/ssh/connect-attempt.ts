import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { AuthError } from '../core/errors.js';
import { agentSocket, type AuthPlan } from './auth.js';
import { DroppedBeforeBanner, isDropBeforeBanner, type ConnectClock } from './connect-retry.js';
import { authFailedAfterTrying, cancelledWhileConnecting, closedDuringLogin } from './error-builders.js';
import type { Ssh2HostVerifier } from './host-key-verifier.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './known-hosts-lock.js';
import type { SshHostOptions } from './options.js';
import { translateConnectError } from './translate-error.js';

declare module 'ssh2' {
  interface ConnectConfig {
    /**
     * false: sign a key at once instead of first asking the server whether it would accept it (RFC 4252 §7
     * allows both). Added by patches/ssh2+1.17.0.patch.
     */
    publicKeyQuery?: boolean;
  }
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
/** Time for authentication after the handshake: several PAM failure delays (~2-3 s each) must fit. */
const LOGIN_ALLOWANCE_MS = 20_000;

export interface AttemptContext {
  host: string;
  address: string;
  port: number;
  user: string;
  connectTimeoutMs: number;
  via?: string;
  givenOn?: SshHostOptions['givenOn'];
}

let noAgentWarned = false;

/** ssh2 forwards the agent on every session of the connection once `agent` and `agentForward` are set. */
function forwarding(options: SshHostOptions): { agent?: string; agentForward?: boolean } {
  if (!options.forwardAgent) return {};
  const sock = agentSocket(options.agent);
  if (sock) return { agent: sock, agentForward: true };
  if (!noAgentWarned) {
    noAgentWarned = true;
    options.onWarning?.('agent forwarding (-A, ForwardAgent) asked for, but there is no agent (SSH_AUTH_SOCK is unset); not forwarding');
  }
  return {};
}

export interface Attempt {
  options: SshHostOptions;
  plan: AuthPlan;
  hostKeys: Ssh2HostVerifier;
  ctx: AttemptContext;
  clock: ConnectClock;
  sock?: Duplex;
  signal?: AbortSignal;
}

/** What an ssh2 error during an attempt means: a host key refusal, a drop worth retrying, or a FleetError. */
function attemptError(err: Error & { code?: string }, { options, plan, hostKeys, ctx }: Attempt, keyExchangeBegan: boolean): Error {
  const keyError = hostKeys.error();
  if (keyError) return keyError;
  const fleetErr = translateConnectError(err, ctx);
  if (!keyExchangeBegan && isDropBeforeBanner(err)) return new DroppedBeforeBanner(fleetErr);
  if (fleetErr instanceof AuthError) return authFailedAfterTrying(options.host, fleetErr, plan.tried, plan.problems, options.givenOn, err);
  return fleetErr;
}

function connectConfig(
  options: SshHostOptions,
  plan: AuthPlan,
  sock: Duplex | undefined,
  clock: ConnectClock,
  hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => void,
): ssh2.ConnectConfig {
  return {
    host: options.address,
    port: options.port,
    username: options.user,
    ...(sock ? { sock } : {}),
    readyTimeout: clock.remainingMs() + LOGIN_ALLOWANCE_MS + DEFAULT_LOCK_TIMEOUT_MS,
    keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: options.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
    ...forwarding(options),
    // One round trip less per host: OpenSSH's ssh asks first, then signs (issue 17, bench/round-trips.ts).
    publicKeyQuery: false,
    authHandler: plan.handler,
    hostVerifier,
  };
}

/**
 * One TCP connect + SSH handshake + login. Resolves with the ready client; rejects with a FleetError, or with
 * DroppedBeforeBanner when the server closed or reset the connection before the key exchange began (the one
 * failure worth trying again, see connect-retry.ts).
 */
export function connectOnce(attempt: Attempt): Promise<ssh2.Client> {
  const { options, plan, hostKeys, ctx, clock, sock, signal } = attempt;
  const client = new ssh2.Client();
  return new Promise<ssh2.Client>((resolve, reject) => {
    let settled = false;
    let keyExchangeBegan = false;
    let handshakeTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(handshakeTimer);
      clock.resume();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (err: Error) =>
      settle(() => {
        client.destroy();
        reject(err);
      });
    const onAbort = () => fail(cancelledWhileConnecting(options.host));
    signal?.addEventListener('abort', onAbort, { once: true });
    // Like OpenSSH's ConnectTimeout this bounds TCP connect + SSH handshake: a hung host shows here. Login
    // itself gets its own allowance, because PAM delays each failed password by seconds. The clock stops while
    // the host key is checked: that is local work (and may wait for the known_hosts lock, which has its own
    // bounded wait and error), not the host being slow.
    const armHandshakeTimer = () => {
      handshakeTimer = setTimeout(() => {
        const err = Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' });
        fail(translateConnectError(err, ctx));
      }, clock.remainingMs());
    };
    armHandshakeTimer();
    client.once('handshake', () => {
      keyExchangeBegan = true;
      clearTimeout(handshakeTimer);
    });
    client.once('ready', () => settle(() => resolve(client)));
    // Not once: ssh2 can emit a second error while tearing down, which must not go unhandled.
    client.on('error', (err: Error & { code?: string }) => fail(attemptError(err, attempt, keyExchangeBegan)));
    client.once('close', () => fail(hostKeys.error() ?? closedDuringLogin(options.host)));
    client.connect(
      connectConfig(options, plan, sock, clock, (key, verify) => {
        keyExchangeBegan = true;
        clearTimeout(handshakeTimer);
        clock.pause();
        hostKeys.verifier(key, (ok) => {
          clock.resume();
          if (!settled && ok) armHandshakeTimer();
          verify(ok);
        });
      }),
    );
  });
}
