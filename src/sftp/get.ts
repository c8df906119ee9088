import { mkdir } from 'node:fs/promises';
import type { SFTPWrapper } from 'ssh2';
import { DEFAULT_FILE_CONCURRENCY, remotePathFromUser } from './defaults.js';
import { fileTransferContext } from './file-context.js';
import { downloadFile } from './download-file.js';
import { progressTracker } from './progress.js';
import { forEachFile } from './run-files.js';
import { localSide, remoteSide } from './sides.js';
import { planTransfer } from './tree.js';
import { abortError, attempt, refusal, toTransferError } from './translate-error.js';
import type { GetOptions, TransferResult } from './types.js';

/**
 * Gets remote files or trees from one host to a local path, with put's target semantics mirrored: a local
 * target ending in "/" (created as needed) or an existing directory receives each source under its
 * basename. Each file lands atomically. Throws TransferError (or AbortError) naming the host.
 */
export async function getPath(
  sftp: SFTPWrapper,
  host: string,
  remotePaths: string | readonly string[],
  localTarget: string,
  options: GetOptions = {},
): Promise<TransferResult> {
  const started = performance.now();
  const sources = (typeof remotePaths === 'string' ? [remotePaths] : [...remotePaths]).map(remotePathFromUser);
  const { signal } = options;
  const cancelled = () => abortError(host, `get of ${sources.join(', ')}`, signal?.reason, options.atomic ?? true);
  if (signal?.aborted) throw cancelled();

  const plan = await attempt({ host, action: 'read', localAction: 'look at', remotePath: sources.join(', '), localPath: localTarget }, () =>
    planTransfer(sources, localTarget, {
      from: remoteSide(sftp),
      to: localSide(),
      recursive: options.recursive ?? false,
      refuse: refusal(host, 'get'),
    }),
  );

  for (const dir of plan.dirs) {
    if (signal?.aborted) throw cancelled();
    await attempt({ host, action: 'create directory', localAction: 'create directory', localPath: dir.target }, () =>
      // Owner keeps write access whatever the remote mode, or the files below could not be written.
      mkdir(dir.target, { recursive: true, mode: dir.mode | 0o700 }),
    );
  }

  const total = plan.files.reduce((sum, f) => sum + f.entry.size, 0);
  const progress = progressTracker(host, total, options.onProgress);
  let files;
  try {
    files = await forEachFile(plan.files, options.fileConcurrency ?? DEFAULT_FILE_CONCURRENCY, signal, (file, fileSignal) =>
      downloadFile(fileTransferContext(sftp, host, fileSignal, options, progress, 'get'), file),
    );
  } catch (err) {
    if (signal?.aborted) throw cancelled();
    throw toTransferError(err, { host, action: 'get', localAction: 'write', remotePath: sources.join(', '), localPath: localTarget });
  }
  return {
    host,
    files,
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    durationMs: performance.now() - started,
  };
}
