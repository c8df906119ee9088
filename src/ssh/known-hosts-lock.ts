import { randomBytes } from 'node:crypto';
import { open, readFile, rm, stat } from 'node:fs/promises';

/**
 * A tiny cross-process mutex: `<path>` created with O_CREAT|O_EXCL (`wx`). Used around known_hosts'
 * read-check-append so that forked workers never add the same host twice. Dependency-free on purpose.
 *
 * - Waiters retry with a small, jittered, growing backoff (5 ms … 100 ms).
 * - A lock older than `staleMs` (its holder crashed) is removed and the waiter retries at once. Two waiters
 *   breaking the same stale lock at the same instant could both proceed; that needs a holder dead for 10 s
 *   and is accepted.
 * - Release removes the lock only if it still holds our token (it may have been broken as stale meanwhile).
 */
export interface FileLockOptions {
  /** A lock file older than this is considered abandoned. Default 10 s. */
  staleMs?: number;
  /** Give up (reject) after waiting this long. Default 30 s. */
  timeoutMs?: number;
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

async function acquire(lockPath: string, token: string, staleMs: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let backoff = 5;
  for (;;) {
    try {
      const fh = await open(lockPath, 'wx', 0o600);
      try {
        await fh.writeFile(token);
      } finally {
        await fh.close();
      }
      return;
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
    }
    const info = await stat(lockPath).catch(() => undefined);
    if (info === undefined) continue; // released between our open and stat: try again now
    if (Date.now() - info.mtimeMs > staleMs) {
      await rm(lockPath, { force: true });
      continue;
    }
    if (Date.now() - started > timeoutMs) {
      throw new Error(`timed out after ${timeoutMs} ms waiting for lock file ${lockPath}`);
    }
    await sleep(backoff + Math.random() * backoff);
    backoff = Math.min(backoff * 2, 100);
  }
}

async function release(lockPath: string, token: string): Promise<void> {
  const current = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (current === token) await rm(lockPath, { force: true });
}

/** Runs `fn` while holding the lock file `lockPath` (its directory must exist). */
export async function withFileLock<T>(lockPath: string, fn: () => Promise<T>, options: FileLockOptions = {}): Promise<T> {
  const token = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  await acquire(lockPath, token, options.staleMs ?? 10_000, options.timeoutMs ?? 30_000);
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}
