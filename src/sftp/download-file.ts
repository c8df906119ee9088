import { chmod, rename, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FileTransferContext } from './file-context.js';
import { windowedOptions, writeFileOnce } from './file-write.js';
import { tempNameFor } from './temp-name.js';
import type { PlannedFile } from './tree.js';
import { abortError, attempt, type ErrorContext } from './translate-error.js';
import type { TransferredFile } from './types.js';
import { windowedGet } from './windowed-transfer.js';

/**
 * One remote file to one local path, atomic locally the same way put is on the host (file-write.ts): the
 * remote file's mode and mtime are set on the temporary file before it is renamed over the target.
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
  const fast = windowedOptions(ctx, local);
  const finish = async (file: string) => {
    await chmod(file, entry.mode);
    await utimes(file, entry.atime, entry.mtime);
  };

  await writeFileOnce(ctx, local, {
    write: async (to) => {
      await attempt(at('download'), () => windowedGet(sftp, remotePath, to, entry.size, fast));
      await attempt(at('set the mode and time of', to), () => finish(to));
    },
    createTemp: async () => {
      const temp = path.join(path.dirname(local), tempNameFor(path.basename(local)));
      await attempt(at('create a temporary file for', local), () => writeFile(temp, '', { flag: 'wx', mode: 0o600 }));
      return temp;
    },
    renameOver: (temp) => attempt(at('rename into place'), () => rename(temp, local)),
    remove: (temp) => rm(temp, { force: true }),
    cancelled,
  });
  ctx.progress(local, entry.size, entry.size);
  return { local, remote: remotePath, bytes: entry.size, skipped: false, window: fast.window.reached };
}
