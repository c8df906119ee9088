import { posix } from 'node:path';
import type { SFTPWrapper } from 'ssh2';
import type { FileTransferContext } from './file-context.js';
import * as remote from './remote.js';
import { fromRemote } from './sides.js';
import { windowedOptions, writeFileOnce } from './file-write.js';
import { tempNameFor } from './temp-name.js';
import type { PlannedFile } from './tree.js';
import { abortError, attempt, toTransferError, type ErrorContext } from './translate-error.js';
import type { TransferredFile } from './types.js';
import { isUnchanged } from './unchanged.js';
import { windowedPut } from './windowed-transfer.js';
import type { LaneSource } from './write-lanes.js';
import { timedOpen } from './window.js';

/**
 * One local file to one remote path, atomic by default (file-write.ts): the temporary file is created 0600 so
 * nobody reads it half-written, and gets its final mode (`mode` or the local file's) and mtime before the
 * rename.
 */

export interface UploadContext extends FileTransferContext {
  /** Overrides the local file's permission bits. */
  mode: number | undefined;
  skipUnchanged: boolean;
  remoteSha256: ((remotePath: string) => Promise<string | undefined>) | undefined;
  /** The call's second SFTP channel, for a big file on a long link (windowedPut); undefined without one. */
  secondChannel: (() => Promise<SFTPWrapper>) | undefined;
}

export async function uploadFile(ctx: UploadContext, file: PlannedFile): Promise<TransferredFile> {
  const { sftp, host, signal } = ctx;
  const { source: local, target, entry } = file;
  const at = (action: string, remotePath = target, lostNote?: string): ErrorContext => ({
    host,
    action,
    localAction: 'read',
    remotePath,
    localPath: local,
    ...(lostNote ? { lostNote } : {}),
  });
  const cancelled = () => abortError(host, `upload to ${target}`, signal.reason, ctx.atomic);
  if (signal.aborted) throw cancelled();
  const mode = ctx.mode ?? entry.mode;
  const done: TransferredFile = { local, remote: target, bytes: entry.size, skipped: false };

  if (ctx.skipUnchanged) {
    const current = await attempt(at('check the existing'), () => remote.statOrUndefined(sftp, target));
    const same = await attempt(at('compare with the existing'), () =>
      isUnchanged(
        { path: local, entry },
        { path: target, entry: current && fromRemote(current) },
        ctx.remoteSha256,
      ),
    );
    if (same && current) {
      // Same content, but an asked-for mode is still applied, like Ansible's copy module does.
      if ((current.mode & 0o777) !== mode) await attempt(at('set the mode of'), () => remote.setstat(sftp, target, { mode }));
      ctx.progress(target, entry.size, entry.size);
      return { ...done, skipped: true };
    }
  }

  const attrs = { mode, atime: entry.atime, mtime: entry.mtime };
  const fast = windowedOptions(ctx, target);
  let lostNote: string | undefined;
  // The temporary file is written through the handle that created it: no second open, no separate close.
  let tempHandle: Buffer | undefined;
  await writeFileOnce(ctx, target, {
    write: async (to, intoTemp) => {
      const note = intoTemp ? lostNote : undefined;
      const handle = tempHandle ?? (await attempt(at('upload to', target), () => timedOpen(fast.window, () => remote.open(sftp, to, 'w'))));
      tempHandle = undefined;
      try {
        await attempt(at('upload to', target, note), () => windowedPut(sftp, local, handle, fast, laneFor(ctx, to)));
      } catch (err) {
        await remote.close(sftp, handle).catch(() => undefined);
        throw err;
      }
      // Mode and times go with the close, in one round trip; either failing fails the file before any rename.
      const failed = await remote.setstatAndClose(sftp, handle, attrs);
      if ('setstat' in failed) throw toTransferError(failed.setstat, at('set the mode and time of', to, note));
      if ('close' in failed) throw toTransferError(failed.close, at('upload to', target, note));
    },
    createTemp: async () => {
      const temp = posix.join(posix.dirname(target), tempNameFor(posix.basename(target)));
      tempHandle = await attempt(at('create a temporary file for', target), () =>
        timedOpen(fast.window, () => remote.openExclusive(sftp, temp, { mode: 0o600 })),
      );
      lostNote = `the temporary file ${temp} may remain`;
      return temp;
    },
    renameOver: (temp) => attempt(at('rename into place', target, lostNote), () => remote.renameOver(sftp, temp, target)),
    // On a dead connection the request fails at once and the temporary file stays behind (lostNote says so).
    remove: (temp) => remote.unlink(sftp, temp),
    cancelled,
  });
  ctx.progress(target, entry.size, entry.size);
  return { ...done, window: fast.window.reached };
}

/** The file being written (`path`: the temporary file or the target), opened again on the second channel. */
function laneFor(ctx: UploadContext, path: string): LaneSource | undefined {
  const channel = ctx.secondChannel;
  if (!channel) return undefined;
  return async () => {
    const sftp = await channel();
    // Read-write without truncation: the first channel is writing the same file.
    return { sftp, handle: await remote.open(sftp, path, 'r+') };
  };
}
