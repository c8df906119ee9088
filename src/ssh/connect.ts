import type ssh2 from 'ssh2';
import { planAuth } from './auth.js';
import { connectOnce, type AttemptContext } from './connect-attempt.js';
import { ConnectClock, retryDropsBeforeBanner } from './connect-retry.js';
import { cancelledBeforeConnecting, noCredentials } from './error-builders.js';
import { defaultKnownHostsFile, hostVerifierFor } from './host-key-verifier.js';
import { connectJump, forwardThrough } from './jump.js';
import type { SshHostOptions } from './options.js';
import { SshConnection } from './ssh-connection.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export { DEFAULT_KEEPALIVE_COUNT_MAX, DEFAULT_KEEPALIVE_INTERVAL_MS } from './connect-config.js';
export { SshConnection } from './ssh-connection.js';

function attemptContext(options: SshHostOptions, connectTimeoutMs: number): AttemptContext {
  return {
    host: options.host,
    address: options.address,
    port: options.port,
    user: options.user,
    connectTimeoutMs,
    ...(options.jump ? { via: options.jump.host } : {}),
    ...(options.givenOn ? { givenOn: options.givenOn } : {}),
  };
}

/**
 * Connects and authenticates to `options`'s host, through `jump` when it has one, which must be connected
 * already (and is the jump of `options.jump`). The jump stays the caller's: it is not closed on failure, and
 * a connection made of the client closes it only if given it (`new SshConnection(host, client, jump)`), so
 * one jump session can carry many targets. Retries the attempts sshd's MaxStartups drops.
 */
export async function connectOver(options: SshHostOptions, jump: SshConnection | undefined, signal?: AbortSignal): Promise<ssh2.Client> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  const plan = await planAuth(options);
  if (plan.empty) throw noCredentials(options.host, options.user, plan.problems, options.givenOn);
  const hostKeys = hostVerifierFor({
    host: options.host,
    address: options.address,
    port: options.port,
    knownHostsFile: options.knownHostsFile ?? defaultKnownHostsFile(),
    policy: options.hostKeyPolicy ?? 'accept-new',
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
  const ctx = attemptContext(options, connectTimeoutMs);
  const clock = new ConnectClock(connectTimeoutMs);
  const where = `${options.address}:${options.port}${ctx.via ? ` (via ${ctx.via})` : ''}`;
  const aborts = signal ? { signal } : {};
  return retryDropsBeforeBanner(async () => {
    // Through a jump host each attempt needs its own forwarded channel.
    const sock = jump && ctx.via ? await forwardThrough(jump, options, ctx.via) : undefined;
    return connectOnce({ options, plan, hostKeys, ctx, clock, ...(sock ? { sock } : {}), ...aborts });
  }, { host: options.host, where, clock, ...aborts });
}

/**
 * Connects and authenticates, verifying the host key under the host's policy, the jump chain first. Resolves
 * only when a command could run; rejects with a FleetError (ConnectError, AuthError, HostKeyError, AbortError)
 * carrying the host. The connection owns its jump: closing it closes the jump, and so does a failure.
 */
export async function connect(options: SshHostOptions, signal?: AbortSignal): Promise<SshConnection> {
  if (signal?.aborted) throw cancelledBeforeConnecting(options.host);
  const jump = options.jump ? await connectJump({ ...options, jump: options.jump }, signal, connect) : undefined;
  let client: ssh2.Client;
  try {
    client = await connectOver(options, jump, signal);
  } catch (err) {
    await jump?.close();
    throw err;
  }
  return new SshConnection(options.host, client, jump);
}
