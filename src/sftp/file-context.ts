import type { SFTPWrapper } from 'ssh2';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY } from './defaults.js';
import type { TransferOptions } from './types.js';

/** What moving one file needs, in either direction: built once per put/get call from its options. */
export interface FileTransferContext {
  sftp: SFTPWrapper;
  host: string;
  signal: AbortSignal;
  atomic: boolean;
  concurrency: number;
  chunkSize: number;
  progress(path: string, bytesDone: number, bytesTotal: number): void;
}

/** Explicit chunkSize/concurrency win; else the window is cut into default-sized chunks. */
function windowOf(options: TransferOptions): { chunkSize: number; concurrency: number } {
  const chunkSize = options.chunkSize ?? Math.min(DEFAULT_CHUNK_SIZE, options.window ?? DEFAULT_CHUNK_SIZE);
  const concurrency = options.concurrency ?? (options.window === undefined ? DEFAULT_CONCURRENCY : Math.max(1, Math.ceil(options.window / chunkSize)));
  return { chunkSize, concurrency };
}

export function fileTransferContext(
  sftp: SFTPWrapper,
  host: string,
  signal: AbortSignal,
  options: TransferOptions,
  progress: FileTransferContext['progress'],
): FileTransferContext {
  return {
    sftp,
    host,
    signal,
    atomic: options.atomic ?? true,
    ...windowOf(options),
    progress,
  };
}
