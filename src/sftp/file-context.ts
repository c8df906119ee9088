import type { SFTPWrapper } from 'ssh2';
import { channelReceiveWindow, DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY, MAX_ADAPTIVE_WINDOW, MAX_GET_WINDOW } from './defaults.js';
import type { TransferOptions } from './types.js';
import { adaptiveWindow, fixedWindow, type TransferWindow } from './window.js';

/** What moving one file needs, in either direction: built once per put/get call from its options. */
export interface FileTransferContext {
  sftp: SFTPWrapper;
  host: string;
  signal: AbortSignal;
  atomic: boolean;
  chunkSize: number;
  /** A fresh window for each file. */
  window(): TransferWindow;
  progress(path: string, bytesDone: number, bytesTotal: number): void;
}

/**
 * An explicit window (or chunkSize × concurrency) is kept as it is; else each file starts at the default
 * window and adapts (window.ts).
 */
function windowOf(options: TransferOptions, max: number): Pick<FileTransferContext, 'chunkSize' | 'window'> {
  const chunkSize = options.chunkSize ?? Math.min(DEFAULT_CHUNK_SIZE, options.window ?? DEFAULT_CHUNK_SIZE);
  const start = chunkSize * DEFAULT_CONCURRENCY;
  if (options.window === undefined && options.concurrency === undefined) {
    return { chunkSize, window: () => adaptiveWindow(start, Math.max(start, max)) };
  }
  const bytes = options.window ?? chunkSize * (options.concurrency ?? DEFAULT_CONCURRENCY);
  return { chunkSize, window: () => fixedWindow(Math.max(chunkSize, bytes)) };
}

/** Where an adaptive window stops: a get's is also bounded by what the channel lets the server send. */
function maxWindow(sftp: SFTPWrapper, direction: 'put' | 'get'): number {
  return direction === 'put' ? MAX_ADAPTIVE_WINDOW : Math.min(MAX_GET_WINDOW, channelReceiveWindow(sftp));
}

export function fileTransferContext(
  sftp: SFTPWrapper,
  host: string,
  signal: AbortSignal,
  options: TransferOptions,
  progress: FileTransferContext['progress'],
  direction: 'put' | 'get',
): FileTransferContext {
  return {
    sftp,
    host,
    signal,
    atomic: options.atomic ?? true,
    ...windowOf(options, maxWindow(sftp, direction)),
    progress,
  };
}
