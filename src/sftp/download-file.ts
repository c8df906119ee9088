import { chmod, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileTransferContext } from './file-context.js';
import { tempNameFor } from './temp-name.js';
import type { PlannedFile } from './tree.js';
import { abortError, attempt, type ErrorContext } from './translate-error.js';
import type { TransferredFile } from './types.js';
import { windowedGet } from './windowed-transfer.js';

/**
 * One remote file to one local path, atomic locally the same way put is on the host: a fresh 0600 temporary
 * file beside the target, the remote file's mode and mtime set on it, then a rename over the target. A
 * failure or cancellation removes the temporary file and leaves the local target as it was.
 */

export type DownloadContext = FileTransferContext;

export async function downloadFile(ctx: DownloadContext, file: PlannedFile): Promise<TransferredFile> {
  const { sftp, host, signal } = ctx;
  const { source: remotePath, target: local, entry } = file;
  const at = (action: string, localPath = local): ErrorContext => ({
    host,
    action,
    localAction: 'write',
    remotePath,
    localPath,
  });
  const cancelled = () => abortError(host, `download of ${remotePath}`, signal.reason, ctx.atomic);
  if (signal.aborted) throw cancelled();
  const window = ctx.window();
  const fast = {
    window,
    chunkSize: ctx.chunkSize,
    signal,
    onStep: (bytesDone: number, bytesTotal: number) => ctx.progress(local, bytesDone, bytesTotal),
  };
  const finish = async (file: string) => {
    await chmod(file, entry.mode);
    await utimes(file, entry.atime, entry.mtime);
  };
  const done: TransferredFile = { local, remote: remotePath, bytes: entry.size, skipped: false };

  if (!ctx.atomic) {
    try {
      await attempt(at('download'), () => windowedGet(sftp, remotePath, local, entry.size, fast));
      await attempt(at('set the mode and time of'), () => finish(local));
    } catch (err) {
      throw signal.aborted ? cancelled() : err;
    }
    ctx.progress(local, entry.size, entry.size);
    return { ...done, window: window.reached };
  }

  const temp = path.join(path.dirname(local), tempNameFor(path.basename(local)));
  await attempt(at('create a temporary file for', local), () => writeFile(temp, '', { flag: 'wx', mode: 0o600 }));
  try {
    await attempt(at('download'), () => windowedGet(sftp, remotePath, temp, entry.size, fast));
    await attempt(at('set the mode and time of', temp), () => finish(temp));
    if (signal.aborted) throw cancelled();
    await attempt(at('rename into place'), () => rename(temp, local));
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw signal.aborted ? cancelled() : err;
  }
  ctx.progress(local, entry.size, entry.size);
  return { ...done, window: window.reached };
}
