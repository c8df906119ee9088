/** Tuning defaults shared by put and get. */

/**
 * 16 requests of 255 KiB in flight per file (4 MiB). OpenSSH's SFTP server takes writes up to 256 KiB less a
 * header (it advertises so via limits@openssh.com, and ssh2 splits anything larger). Measured on the bench,
 * 50 hosts × 10 MiB: total machine CPU per put fell from 19.2 s with ssh2's 32 KiB × 64 to 14.3 s — fewer
 * packets to encrypt, MAC and parse on both ends.
 */
export const DEFAULT_CONCURRENCY = 16;
export const DEFAULT_CHUNK_SIZE = 261_120;

/**
 * Files in flight at once per call. Small files are latency-bound (open, write, setstat, rename, close are
 * round trips), so several at a time keep the channel busy; eight bounds the buffers to 32 MiB per host.
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
