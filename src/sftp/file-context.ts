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
    concurrency: options.concurrency ?? DEFAULT_CONCURRENCY,
    chunkSize: options.chunkSize ?? DEFAULT_CHUNK_SIZE,
    progress,
  };
}
