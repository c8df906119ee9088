import { close as closeFd, fstat, open as openFd, read as readFd, write as writeFd } from 'node:fs';
import { promisify } from 'node:util';
import type { SFTPWrapper } from 'ssh2';
import * as remote from './remote.js';
import { channelClosedError, channelOpen } from './remote.js';
import { SftpStatus } from './status.js';
import { timedOpen, type TransferWindow } from './window.js';
import { laneWriters, singleWriter, type Io, type LaneSource, type Writers } from './write-lanes.js';

/**
 * One file moved as a pipeline of chunks: each chunk is read from one side and written to the other, and new
 * chunks start while fewer bytes than the window allows are in flight. ssh2's fastPut/fastGet do the same
 * with a fixed number of requests; here the window may change between chunks (window.ts), and the pipeline
 * stops on a cancelled signal or a dead channel instead of queueing requests ssh2 would never answer.
 */

export interface WindowedTransferOptions {
  window: TransferWindow;
  chunkSize: number;
  signal: AbortSignal;
  /** Bytes done so far and the file's size, as chunks are acknowledged. */
  onStep?: (bytesDone: number, bytesTotal: number) => void;
}

/** Error code of the read/write refused because the signal fired; the caller turns it into AbortError. */
export const TRANSFER_ABORTED = 'FLEET_TRANSFER_ABORTED';

function stopReason(sftp: SFTPWrapper, signal: AbortSignal): Error | undefined {
  if (signal.aborted) return Object.assign(new Error('transfer cancelled'), { code: TRANSFER_ABORTED });
  if (!channelOpen(sftp)) return channelClosedError();
  return undefined;
}

function shorterThanExpected(): Error {
  // The message is what the operator sees behind "cannot put/get <path>: ".
  return Object.assign(new Error('the file got shorter while it was being copied'), { code: SftpStatus.FAILURE });
}

function pump(size: number, read: Io, writers: Writers, o: WindowedTransferOptions): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let next = 0; // first byte no chunk has started on
    let inFlight = 0; // bytes started and not yet written
    let pending = 0; // chunks with a read or write outstanding
    let done = 0;
    let failed: Error | undefined;
    const free: Buffer[] = [];

    // Settles only when no request is outstanding, so no late callback touches a closed handle or fd.
    const settle = () => {
      if (pending > 0) return;
      if (failed) reject(failed);
      else if (done === size) resolve();
    };
    const fail = (err: Error) => {
      failed ??= err;
      settle();
    };

    const part = (buf: Buffer, position: number, len: number) => {
      pending++;
      const sentAt = performance.now();
      read(buf, len, position, (err, got) => {
        if (err || failed || got === 0) {
          pending--;
          return err ? fail(err) : failed ? settle() : fail(shorterThanExpected());
        }
        const { io: write, lane } = writers.pick();
        writers.moved(lane, got);
        write(buf, got, position, (werr, wrote) => {
          pending--;
          writers.moved(lane, -got);
          if (werr) return fail(werr);
          if (failed) return settle();
          done += wrote;
          inFlight -= wrote;
          o.window.acked(wrote, performance.now(), sentAt);
          o.onStep?.(done, size);
          // Servers may answer a read with less than asked: the rest of the chunk goes again.
          if (wrote < len) return part(buf, position + wrote, len - wrote);
          free.push(buf);
          if (done === size) return settle();
          fill();
        });
      });
    };

    const fill = () => {
      writers.consider(o.window.bytes, size - next);
      while (!failed && next < size && inFlight < o.window.bytes) {
        const len = Math.min(o.chunkSize, size - next);
        const buf = free.pop() ?? Buffer.allocUnsafeSlow(o.chunkSize);
        inFlight += len;
        part(buf, next, len);
        next += len;
      }
    };

    if (size === 0) return resolve();
    fill();
  }).finally(() => o.window.close());
}

/** SFTP read or write on `handle`, refused at once when the transfer is to stop. */
function remoteIo(sftp: SFTPWrapper, handle: Buffer, signal: AbortSignal, kind: 'read' | 'write'): Io {
  return (buf, len, position, cb) => {
    const stop = stopReason(sftp, signal);
    if (stop) return process.nextTick(cb, stop, 0);
    try {
      if (kind === 'write') sftp.write(handle, buf, 0, len, position, (err) => cb(err, len));
      else
        sftp.read(handle, buf, 0, len, position, (err, got) =>
          // EOF before the expected size means the file shrank: report that, not a bare "EOF".
          err && (err as { code?: unknown }).code === SftpStatus.EOF ? cb(undefined, 0) : cb(err, got),
        );
    } catch (err) {
      // ssh2 throws synchronously for requests it cannot send.
      process.nextTick(cb, err as Error, 0);
    }
  };
}

function localIo(fd: number, kind: 'read' | 'write'): Io {
  return (buf, len, position, cb) => {
    if (kind === 'read') readFd(fd, buf, 0, len, position, cb);
    else writeFd(fd, buf, 0, len, position, cb);
  };
}

const open = promisify(openFd);
const close = promisify(closeFd);
const statFd = promisify(fstat);

/**
 * Runs `body` with the remote file open for reading, then sends the CLOSE without waiting for its answer:
 * every byte has arrived by then, and closing a read handle cannot change them, so the file's rename need
 * not wait a round trip for it. A failed CLOSE is not reported (the data is whole); a dead channel fails the
 * next request. On failure the handle is closed, best effort, before the error is passed on.
 */
async function withRemoteReader(sftp: SFTPWrapper, path: string, o: WindowedTransferOptions, body: (handle: Buffer) => Promise<void>): Promise<void> {
  const handle = await timedOpen(o.window, () => remote.open(sftp, path, 'r'));
  try {
    await body(handle);
  } catch (err) {
    await remote.close(sftp, handle).catch(() => undefined);
    throw err;
  }
  remote.close(sftp, handle).catch(() => undefined);
}

async function withLocal(path: string, flags: string, body: (fd: number) => Promise<void>): Promise<void> {
  const fd = await open(path, flags);
  try {
    await body(fd);
  } finally {
    await close(fd);
  }
}

/**
 * Writes the local file through `handle`, a remote file the caller opened and still owns: it closes the
 * handle when this fails, and else sets the file's attributes with the close (remote.setstatAndClose).
 */
export async function windowedPut(
  sftp: SFTPWrapper,
  localPath: string,
  handle: Buffer,
  o: WindowedTransferOptions,
  lanes?: LaneSource,
): Promise<void> {
  const early = stopReason(sftp, o.signal);
  if (early) throw early;
  const writers = laneWriters(remoteIo(sftp, handle, o.signal, 'write'), o.signal, lanes, (lane) =>
    remoteIo(lane.sftp, lane.handle, o.signal, 'write'),
  );
  try {
    await withLocal(localPath, 'r', async (fd) => {
      const { size } = await statFd(fd);
      await pump(size, localIo(fd, 'read'), writers, o);
    });
  } catch (err) {
    await writers.close().catch(() => undefined);
    throw err;
  }
  // A CLOSE is where a server reports a write it could not complete (NFS, quota): it fails the file.
  await writers.close();
}

/** `size`: the remote file's, from the stat that planned the transfer (saves a round trip per file). */
export async function windowedGet(
  sftp: SFTPWrapper,
  remotePath: string,
  localPath: string,
  size: number,
  o: WindowedTransferOptions,
): Promise<void> {
  const early = stopReason(sftp, o.signal);
  if (early) throw early;
  await withRemoteReader(sftp, remotePath, o, (handle) =>
    withLocal(localPath, 'w', (fd) => pump(size, remoteIo(sftp, handle, o.signal, 'read'), singleWriter(localIo(fd, 'write')), o)),
  );
}
