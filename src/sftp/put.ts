import type { SFTPWrapper } from 'ssh2';
import { DEFAULT_FILE_CONCURRENCY, remotePathFromUser } from './defaults.js';
import { fileTransferContext } from './file-context.js';
import { progressTracker } from './progress.js';
import * as remote from './remote.js';
import { forEachFile } from './run-files.js';
import { localSide, remoteSide } from './sides.js';
import { planTransfer } from './tree.js';
import { abortError, attempt, refusal, toTransferError } from './translate-error.js';
import type { PutOptions, TransferResult } from './types.js';
import { uploadFile } from './upload-file.js';

/**
 * Puts local files or trees on one host over its SFTP channel (see PutOptions). Throws TransferError (or
 * AbortError) naming the host; files finished before a failure stay in place, each one whole.
 */
export async function putPath(
  sftp: SFTPWrapper,
  host: string,
  localPaths: string | readonly string[],
  remoteTarget: string,
  options: PutOptions = {},
): Promise<TransferResult> {
  const started = performance.now();
  const sources = typeof localPaths === 'string' ? [localPaths] : [...localPaths];
  const target = remotePathFromUser(remoteTarget);
  const { signal } = options;
  if (signal?.aborted) throw abortError(host, `put to ${target}`, signal.reason, options.atomic ?? true);

  const plan = await attempt({ host, action: 'look at', localAction: 'read', remotePath: target, localPath: sources.join(', ') }, () =>
    planTransfer(sources, target, {
      from: localSide(),
      to: remoteSide(sftp),
      recursive: options.recursive ?? false,
      refuse: refusal(host, 'put'),
    }),
  );

  const made = new Set<string>();
  for (const dir of plan.dirs) {
    if (signal?.aborted) throw abortError(host, `put to ${target}`, signal.reason, options.atomic ?? true);
    await attempt({ host, action: 'create directory', remotePath: dir.target }, () =>
      remote.mkdirp(sftp, dir.target, dir.mode, made),
    );
  }

  const total = plan.files.reduce((sum, f) => sum + f.entry.size, 0);
  const progress = progressTracker(host, total, options.onProgress);
  const second = secondChannel(options.openChannel);
  let files;
  try {
    files = await forEachFile(plan.files, options.fileConcurrency ?? DEFAULT_FILE_CONCURRENCY, signal, (file, fileSignal) =>
      uploadFile(
        {
          ...fileTransferContext(sftp, host, fileSignal, options, progress, 'put'),
          mode: options.mode,
          skipUnchanged: options.skipUnchanged ?? false,
          remoteSha256: options.remoteSha256,
          secondChannel: second?.get,
          progress,
        },
        file,
      ),
    );
  } catch (err) {
    // The caller's cancellation wins over whatever it happened to interrupt.
    if (signal?.aborted) throw abortError(host, `put to ${target}`, signal.reason, options.atomic ?? true);
    throw toTransferError(err, { host, action: 'put to', remotePath: target });
  } finally {
    second?.end();
  }
  return {
    host,
    files,
    bytes: files.reduce((sum, f) => sum + (f.skipped ? 0 : f.bytes), 0),
    durationMs: performance.now() - started,
  };
}

/** The call's second channel (PutOptions.openChannel): opened once, when a file first asks, ended with the call. */
function secondChannel(open: PutOptions['openChannel']): { get: () => Promise<SFTPWrapper>; end: () => void } | undefined {
  if (!open) return undefined;
  let opening: Promise<SFTPWrapper> | undefined;
  return {
    get: () => (opening ??= open()),
    end: () => void opening?.then((sftp) => sftp.end(), () => undefined),
  };
}
