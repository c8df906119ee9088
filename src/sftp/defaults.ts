/** Tuning defaults shared by put and get. */

/**
 * 512 KiB in flight per file: 4 requests of 128 KiB (ssh2 splits them further for servers that take less).
 * ssh2's own default, like OpenSSH sftp's, is 64 × 32 KiB = 2 MiB. With that much queued, OpenSSH's sshd spent
 * most of its CPU in page faults, memset and memmove (perf, 10 MiB to 50 hosts): total machine CPU 10.0 s
 * against 4.4 s with 512 KiB, and a single host on loopback took 364 ms against 250 ms. This is where each
 * file starts; on a long link, where 512 KiB per round trip is slow, the window grows (window.ts).
 */
export const DEFAULT_CONCURRENCY = 4;
export const DEFAULT_CHUNK_SIZE = 131_072;

/**
 * Where the adaptive window (window.ts) of a put stops growing. The SSH channel under SFTP has its own window
 * (2 MiB from OpenSSH's sshd), which bounds one channel to about that per round trip anyway; the SFTP window
 * has to exceed it so that the channel, not the request queue, runs dry last.
 */
export const MAX_ADAPTIVE_WINDOW = 4 * 1024 * 1024;

/**
 * Where a get's window stops growing, if the channel lets it (channelReceiveWindow): fleet opens the channel
 * with 16 MiB (ssh/ssh-connection.ts). At 80 ms, 8 MiB is 100 MiB/s, past what one core decrypts.
 */
export const MAX_GET_WINDOW = 8 * 1024 * 1024;

/** ssh2's channel receive window, unless the channel was opened with another (patches/ssh2+1.17.0.patch). */
const SSH2_CHANNEL_WINDOW = 2 * 1024 * 1024;

/**
 * The most a download can have in flight on this channel: ssh2 grants the server its window again whenever
 * half is used, and more requested than that only queues at the server. Read from ssh2's channel state.
 */
export function channelReceiveWindow(sftp: object): number {
  const window = (sftp as { incoming?: { maxWindow?: unknown } }).incoming?.maxWindow;
  return typeof window === 'number' && window > 0 ? window : SSH2_CHANNEL_WINDOW;
}

/**
 * Files in flight at once per call. Small files are latency-bound (an atomic put still waits on the link five
 * times per file: stat, open, write, close with fsetstat, rename), so several at a time keep the channel busy;
 * eight bound what is in flight to 4 MiB per host.
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
