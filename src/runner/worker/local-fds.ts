import { setTimeout as sleep } from 'node:timers/promises';
import { LocalError } from '../../core/errors.js';

const OUT_OF_FDS = /\bE[MN]FILE\b/;

/**
 * Whether a failure was this process (EMFILE) or this machine (ENFILE) running out of file descriptors,
 * anywhere in its cause chain: ssh/ wraps it as whatever was being opened — the socket (a ConnectError),
 * known_hosts (a HostKeyError) — though the host had nothing to do with it.
 */
export function isOutOfFds(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const { code, message, cause } = e as { code?: unknown; message?: unknown; cause?: unknown };
    if (code === 'EMFILE' || code === 'ENFILE') return true;
    if (typeof message === 'string' && OUT_OF_FDS.test(message)) return true;
    e = cause;
  }
  return false;
}

/**
 * Runs `open` (a connect) again while it fails for want of local descriptors: other hosts close theirs as
 * they finish. The forks cap (fd-budget.ts) should make this rare; it is the net for what the budget did
 * not foresee. Waits grow from 50 ms to 1 s, jittered, within `budgetMs` (the host's connect timeout);
 * past that the host fails with a LocalError that says so — never as a CONNECT or HOST_KEY failure (those
 * would be retried by --retry, adding to the load, and blame a host that was never at fault).
 */
export async function retryOnLocalFds<T>(host: string, budgetMs: number, signal: AbortSignal, open: () => Promise<T>): Promise<T> {
  const started = performance.now();
  for (let attempt = 0; ; attempt++) {
    try {
      return await open();
    } catch (err) {
      if (!isOutOfFds(err) || signal.aborted) throw err;
      const waitMs = Math.min(1_000, 50 * 2 ** attempt) * (0.5 + Math.random() / 2);
      const spent = performance.now() - started;
      if (spent + waitMs > budgetMs) {
        throw new LocalError(
          `${host}: this machine ran out of file descriptors (EMFILE) while connecting, for ${Math.round(spent)} ms; ` +
            'the host was not at fault. Raise the open-files limit (ulimit -n) or lower -f',
          { host, cause: err },
        );
      }
      await sleep(waitMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
