import type { FileTransferContext } from './file-context.js';
import type { WindowedTransferOptions } from './windowed-transfer.js';

/**
 * How put and get write one file, whichever side its target is on. Atomic (the default): the data goes to a
 * fresh 0600 temporary file beside the target, which gets its final mode and times and is renamed over the
 * target only when complete; whatever fails or is cancelled before the rename removes the temporary file
 * and leaves the target as it was. Otherwise the target is written in place.
 */
export interface FileWrite {
  /** Moves the data to `path`, the target or the temporary file, and sets its mode and times. */
  write(path: string, intoTemp: boolean): Promise<void>;
  /** Creates the temporary file, empty and 0600, and gives its path. */
  createTemp(): Promise<string>;
  renameOver(temp: string): Promise<void>;
  /** Best effort: a failure here is not reported. */
  remove(temp: string): Promise<void>;
  /** The error a cancelled write ends with. */
  cancelled(): Error;
}

export async function writeFileOnce(ctx: FileTransferContext, target: string, w: FileWrite): Promise<void> {
  const { signal } = ctx;
  if (!ctx.atomic) {
    try {
      await w.write(target, false);
    } catch (err) {
      throw signal.aborted ? w.cancelled() : err;
    }
    return;
  }
  const temp = await w.createTemp();
  try {
    await w.write(temp, true);
    if (signal.aborted) throw w.cancelled();
    await w.renameOver(temp);
  } catch (err) {
    await w.remove(temp).catch(() => undefined);
    throw signal.aborted ? w.cancelled() : err;
  }
}

/** The pipeline options for one file, with its progress reported under `path`. */
export function windowedOptions(ctx: FileTransferContext, path: string): WindowedTransferOptions {
  return {
    window: ctx.window(),
    chunkSize: ctx.chunkSize,
    signal: ctx.signal,
    onStep: (bytesDone, bytesTotal) => ctx.progress(path, bytesDone, bytesTotal),
  };
}
