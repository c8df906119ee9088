import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { AuthError } from '../core/errors.js';
import type { AuthPlan } from './auth.js';
import { connectConfig } from './connect-config.js';
import { DroppedBeforeBanner, isDropBeforeBanner, type ConnectClock } from './connect-retry.js';
import { authFailedAfterTrying, cancelledWhileConnecting, closedDuringLogin } from './error-builders.js';
import type { Ssh2HostVerifier } from './host-key-verifier.js';
import type { SshHostOptions } from './options.js';
import { translateConnectError } from './translate-error.js';

export interface AttemptContext {
  host: string;
  address: string;
  port: number;
  user: string;
  connectTimeoutMs: number;
  via?: string;
  givenOn?: SshHostOptions['givenOn'];
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

/** ssh2's own handshake timeout, as translateConnectError knows it. */
function handshakeTimeout(): Error {
  return Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' });
}

/**
 * Like OpenSSH's ConnectTimeout this bounds TCP connect + SSH handshake: a hung host shows here. Login itself
 * gets its own allowance, because PAM delays each failed password by seconds. The clock stops while the host
 * key is checked: that is local work (and may wait for the known_hosts lock, which has its own bounded wait
 * and error), not the host being slow; so the deadline is stopped then and armed again with what is left.
 */
function handshakeDeadline(clock: ConnectClock, expired: () => void): { arm(): void; stop(): void } {
  let timer: NodeJS.Timeout | undefined;
  return {
    arm: () => (timer = setTimeout(expired, clock.remainingMs())),
    stop: () => clearTimeout(timer),
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
    const handshake = handshakeDeadline(clock, () => fail(translateConnectError(handshakeTimeout(), ctx)));
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      handshake.stop();
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
    handshake.arm();
    client.once('handshake', () => {
      keyExchangeBegan = true;
      handshake.stop();
    });
    client.once('ready', () => settle(() => resolve(client)));
    // Not once: ssh2 can emit a second error while tearing down, which must not go unhandled.
    client.on('error', (err: Error & { code?: string }) => fail(attemptError(err, attempt, keyExchangeBegan)));
    // Every connection closes, most long after login: build the error only when it is the outcome.
    client.once('close', () => settled || fail(hostKeys.error() ?? closedDuringLogin(options.host)));
    client.connect(
      connectConfig(options, plan, sock, clock, (key, verify) => {
        keyExchangeBegan = true;
        handshake.stop();
        clock.pause();
        hostKeys.verifier(key, (ok) => {
          clock.resume();
          if (!settled && ok) handshake.arm();
          verify(ok);
        });
      }),
    );
    // ssh2 writes each SSH packet on its own and leaves Nagle on: a packet sent right behind another (a
    // channel's CLOSE, then the next call's OPEN) waits for the server's delayed ACK, 40 ms on Linux, once
    // per command on a held session; over a link it is a round trip. Set before the TCP connect is made.
    client.setNoDelay(true);
  });
}
