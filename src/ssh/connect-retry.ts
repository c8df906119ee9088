import { ConnectError, type FleetError } from '../core/errors.js';
import { cancelledWhileConnecting } from './error-builders.js';

/**
 * sshd's MaxStartups (default 10:30:100) drops new connections while too many others are still
 * unauthenticated: it accepts the TCP connection and closes it before sending its banner (ssh2 says
 * "Connection lost before handshake", or the socket is reset). Nothing of the host was reached and nothing
 * logged in, so such an attempt is safe to repeat, and the right answer to throttling is to come back a
 * little later, not at once (which is what a re-queue does). Only these drops are retried, and only within the
 * connect timeout; a refusal, a timeout, anything after the key exchange began (host key, authentication) is
 * not.
 */

/** First back-off ceiling and the cap it doubles up to: sshd needs ~0.1 s per login on loopback. */
export const FIRST_BACKOFF_MS = 100;
export const MAX_BACKOFF_MS = 2_000;
const MIN_BACKOFF_MS = 10;
/** No wait that would leave less than this for the attempt after it: a drop comes within a round trip. */
const LAST_ATTEMPT_MS = 100;

/** The connect timeout as a budget that stops while fleet works locally (the host key check and its lock). */
export class ConnectClock {
  private readonly start = Date.now();
  private pausedAt: number | undefined;
  private pausedMs = 0;

  constructor(readonly totalMs: number) {}

  /** Time the host has used so far, local pauses excluded. */
  usedMs(): number {
    return (this.pausedAt ?? Date.now()) - this.start - this.pausedMs;
  }

  remainingMs(): number {
    return Math.max(0, this.totalMs - this.usedMs());
  }

  pause(): void {
    this.pausedAt ??= Date.now();
  }

  resume(): void {
    if (this.pausedAt === undefined) return;
    this.pausedMs += Date.now() - this.pausedAt;
    this.pausedAt = undefined;
  }
}

/** An attempt that the server dropped before its banner; `error` is how it reads if it is the last one. */
export class DroppedBeforeBanner extends Error {
  constructor(readonly error: FleetError) {
    super(error.message);
  }
}

/** Whether ssh2's error, raised before the key exchange began, is the server dropping the connection. */
export function isDropBeforeBanner(err: { message?: string; code?: string }): boolean {
  return err.message === 'Connection lost before handshake' || err.code === 'ECONNRESET' || err.code === 'EPIPE';
}

/** Full jitter (a random wait up to a doubling ceiling): the hosts' retries spread out instead of colliding. */
export function backoffMs(retry: number, random: () => number = Math.random): number {
  const ceiling = Math.min(MAX_BACKOFF_MS, FIRST_BACKOFF_MS * 2 ** retry);
  return Math.max(MIN_BACKOFF_MS, Math.round(random() * ceiling));
}

export function throttledError(host: string, where: string, drops: number, clock: ConnectClock, last: FleetError): ConnectError {
  const lastly = last.cause instanceof Error ? last.cause.message : last.message;
  return new ConnectError(
    `${host}: ${where} dropped the connection before the SSH banner ${drops} times in ${clock.usedMs()} ms ` +
      `(last: ${lastly}): the server is throttling new connections (sshd MaxStartups). ` +
      'Run with a lower -f/--forks (fewer hosts at once), raise --connect-timeout, or raise MaxStartups in its sshd_config',
    { host, reason: 'throttled', phase: 'connect', timeoutMs: clock.totalMs, cause: last },
  );
}

function pause(ms: number, signal: AbortSignal | undefined, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledWhileConnecting(host));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `attempt` until it does not end in DroppedBeforeBanner, waiting a jittered, growing back-off between
 * tries, all within `clock`. When the budget runs out after drops, the error says the server throttled.
 */
export async function retryDropsBeforeBanner<T>(
  attempt: () => Promise<T>,
  ctx: { host: string; where: string; clock: ConnectClock; signal?: AbortSignal },
): Promise<T> {
  for (let drops = 0; ; ) {
    try {
      return await attempt();
    } catch (err) {
      if (!(err instanceof DroppedBeforeBanner)) {
        // A timeout after drops is the same throttling seen from the last attempt (it got in but no slot).
        if (drops > 0 && err instanceof ConnectError && err.details.reason === 'timeout') {
          throw throttledError(ctx.host, ctx.where, drops, ctx.clock, err);
        }
        throw err;
      }
      drops++;
      // The last wait is cut short so that one more attempt still fits in the budget.
      const left = ctx.clock.remainingMs() - LAST_ATTEMPT_MS;
      if (left <= 0) throw throttledError(ctx.host, ctx.where, drops, ctx.clock, err.error);
      await pause(Math.min(backoffMs(drops - 1), left), ctx.signal, ctx.host);
    }
  }
}
