/** Tuning defaults shared by put and get. */

/**
 * ssh2 fastXfer's own defaults: 64 requests of 32 KiB in flight per file (2 MiB). 255 KiB writes (OpenSSH's
 * limit) were tried: on a quiet machine they cost 5% more total CPU for 10 MiB to 50 hosts, not less.
 */
export const DEFAULT_CONCURRENCY = 64;
export const DEFAULT_CHUNK_SIZE = 32_768;

/**
 * Files in flight at once per call. Small files are latency-bound (open, write, setstat, rename, close are
 * round trips), so several at a time keep the channel busy; eight bounds the buffers to 16 MiB per host.
 */
export const DEFAULT_FILE_CONCURRENCY = 8;

/**
 * SFTP resolves relative paths against the login directory but knows nothing of "~": "~/x" is taken as
 * "x", which names the same file.
 */
export function remotePathFromUser(path: string): string {
  if (path === '~') return '.';
  if (path === '~/') return './';
  return path.startsWith('~/') ? path.slice(2) : path;
}
