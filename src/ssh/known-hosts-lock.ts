import { randomBytes } from 'node:crypto';
import { readlinkSync } from 'node:fs';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { hostname } from 'node:os';

/**
 * A tiny cross-process mutex: `<path>` created with O_CREAT|O_EXCL (`wx`). Used around known_hosts'
 * read-check-append so that forked workers never add the same host twice. Dependency-free on purpose.
 *
 * - The lock file says who holds it: `pid hostname pid-namespace token`.
 * - Waiters retry with a small, jittered, growing backoff (5 ms … 100 ms).
 * - A lock whose holder is gone is broken at once: same host and pid namespace, and that pid no longer exists
 *   (a fleet killed with -9). A pid from another machine or namespace cannot be checked from here, so such a
 *   lock (or one in an older format) is broken only once it is older than `staleMs`. A live holder's lock is
 *   never broken: waiting for it ends after `timeoutMs` with a LockTimeoutError that names the holder.
 * - Breaking renames the lock aside and checks it is still the one judged stale before deleting it, so two
 *   waiters breaking one stale lock never delete the lock a third process took meanwhile.
 * - Release removes the lock only if it still holds our token (it may have been broken as stale meanwhile).
 */
export interface FileLockOptions {
  /** A lock file whose holder cannot be checked is considered abandoned after this. Default 10 s. */
  staleMs?: number;
  /** Give up (reject with LockTimeoutError) after waiting this long. Default 10 s. */
  timeoutMs?: number;
  /** When the wait began (Date.now()), if the caller queued before trying: timeoutMs counts from then. */
  since?: number;
}

export const DEFAULT_LOCK_TIMEOUT_MS = 10_000;

/** Who holds a lock, as its file says; undefined fields when the file is in another format. */
export interface LockHolder {
  pid?: number;
  hostname?: string;
  pidNamespace?: string;
}

export class LockTimeoutError extends Error {
  constructor(
    readonly lockPath: string,
    readonly waitedMs: number,
    readonly holder: LockHolder,
  ) {
    const who =
      holder.pid !== undefined ? ` held by pid ${holder.pid}${holder.hostname ? ` on ${holder.hostname}` : ''}` : '';
    super(`timed out after ${waitedMs} ms waiting for lock file ${lockPath}${who}`);
  }
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

function errCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err ? String((err as { code: unknown }).code) : undefined;
}

/** The pid namespace, so a pid is only judged dead where it could be seen; '' where /proc does not say. */
function ownPidNamespace(): string {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return '';
  }
}

export function parseLockHolder(text: string): LockHolder {
  const [pid, host, ns] = text.trim().split(' ');
  const n = Number(pid);
  if (!pid || !Number.isSafeInteger(n) || n <= 0 || host === undefined || ns === undefined) return {};
  return { pid: n, hostname: host, pidNamespace: ns };
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it exists, under another user.
    return errCode(err) === 'EPERM';
  }
}

/** Whether the holder is known to be gone: only decidable for a pid of this host and pid namespace. */
function holderGone(holder: LockHolder, self: LockHolder): boolean | undefined {
  if (holder.pid === undefined || !self.pidNamespace) return undefined;
  if (holder.hostname !== self.hostname || holder.pidNamespace !== self.pidNamespace) return undefined;
  return !pidAlive(holder.pid);
}

/** Removes the lock if it still has the content judged stale; puts back a lock that changed hands meanwhile. */
async function breakLock(lockPath: string, staleText: string): Promise<void> {
  const aside = `${lockPath}.${randomBytes(6).toString('hex')}.stale`;
  try {
    await rename(lockPath, aside);
  } catch (err) {
    if (errCode(err) === 'ENOENT') return; // someone else broke or released it
    throw err;
  }
  const moved = await readFile(aside, 'utf8').catch(() => undefined);
  if (moved !== staleText) await link(aside, lockPath).catch(() => undefined);
  await rm(aside, { force: true });
}

async function acquire(lockPath: string, token: string, self: LockHolder, staleMs: number, timeoutMs: number, started: number): Promise<void> {
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
    const [info, text] = await Promise.all([stat(lockPath).catch(() => undefined), readFile(lockPath, 'utf8').catch(() => undefined)]);
    if (info === undefined || text === undefined) continue; // released between our open and reading it: try again now
    const holder = parseLockHolder(text);
    // An empty file is a holder between its open and its write: judge it by age only.
    const gone = text === '' ? undefined : holderGone(holder, self);
    if (gone === true || (gone === undefined && Date.now() - info.mtimeMs > staleMs)) {
      await breakLock(lockPath, text);
      continue;
    }
    if (Date.now() - started > timeoutMs) throw new LockTimeoutError(lockPath, Date.now() - started, holder);
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
  const self: LockHolder = { pid: process.pid, hostname: hostname().replace(/\s/g, '_'), pidNamespace: ownPidNamespace() };
  const token = `${self.pid} ${self.hostname} ${self.pidNamespace || '-'} ${randomBytes(8).toString('hex')}\n`;
  await acquire(lockPath, token, self, options.staleMs ?? 10_000, options.timeoutMs ?? DEFAULT_LOCK_TIMEOUT_MS, options.since ?? Date.now());
  try {
    return await fn();
  } finally {
    await release(lockPath, token);
  }
}
