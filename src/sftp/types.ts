import type { SFTPWrapper } from 'ssh2';

/**
 * The public shapes of the SFTP layer: what put/get accept and what they report. Plain data only, so results
 * and progress events can cross the runner's IPC boundary unchanged.
 */

/** One progress report, emitted as chunks are acknowledged (per 128 KiB chunk by default: callers throttle). */
export interface TransferProgress {
  host: string;
  /** The file being moved: its remote path for put, its local path for get. */
  path: string;
  /** Bytes of this file done so far and its size. */
  bytesDone: number;
  bytesTotal: number;
  /** The same across the whole put/get call (every file it moves), for one progress bar per host. */
  totalBytesDone: number;
  totalBytesTotal: number;
}

/** Options shared by put and get. */
export interface TransferOptions {
  /** Copy directories and everything below them (like scp -r). Without it a directory source is an error. */
  recursive?: boolean;
  /**
   * Default true: each file is written to a temporary name beside its target and renamed over it only when
   * complete, so readers never see a half-written file and a failed transfer leaves the old one intact.
   */
  atomic?: boolean;
  /** Cancels the transfer: temporary files are removed, finished files stay, AbortError is thrown. */
  signal?: AbortSignal;
  onProgress?: (progress: TransferProgress) => void;
  /**
   * Bytes of reads/writes in flight per file, fixed. Without it (and without `concurrency`) each file starts
   * at 512 KiB and the window doubles while that raises the rate, up to 4 MiB: it stays small next to the
   * host and grows on long links, where one file moves at most a window per round trip.
   */
  window?: number;
  /** Read/write requests in flight per file, fixed (window = chunkSize × concurrency). */
  concurrency?: number;
  /** Bytes per read/write request. Default 131072 (ssh2 splits them for servers that take less). */
  chunkSize?: number;
  /** Files moved at once within one call (they share the host's one SFTP channel). Default 8. */
  fileConcurrency?: number;
}

export interface PutOptions extends TransferOptions {
  /** Permission bits for every uploaded file (e.g. 0o644). Default: the local file's permission bits. */
  mode?: number;
  /**
   * Skip a file when the remote one has the same size and the same content. Content is compared by SHA-256
   * when `remoteSha256` is given, otherwise by modification time (which put preserves, like rsync's quick
   * check).
   */
  skipUnchanged?: boolean;
  /**
   * SHA-256 (hex) of a remote file, or undefined when it cannot be computed. SFTP has no checksum request,
   * so the caller wires this to exec (`sha256sum -- path`) on the same connection.
   */
  remoteSha256?: (remotePath: string) => Promise<string | undefined>;
  /**
   * Opens another SFTP channel on the same connection. Given, a big file on a long link is written over two
   * channels once one no longer keeps up with its window (sshd grants each channel 2 MiB per round trip).
   * The call opens at most one and ends it when it returns.
   */
  openChannel?: () => Promise<SFTPWrapper>;
}

export type GetOptions = TransferOptions;

export interface TransferredFile {
  local: string;
  remote: string;
  /** The file's size. */
  bytes: number;
  /** True when skipUnchanged found the target already equal and nothing was sent. */
  skipped: boolean;
  /** The most bytes this file had in flight (the adaptive window's peak); absent when nothing was sent. */
  window?: number;
}

export interface TransferResult {
  host: string;
  files: TransferredFile[];
  /** Bytes actually sent or received (skipped files count zero). */
  bytes: number;
  durationMs: number;
}
