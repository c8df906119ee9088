import { close as closeFd, fstat, open as openFd, read as readFd, write as writeFd } from 'node:fs';
import { promisify } from 'node:util';
import type { SFTPWrapper } from 'ssh2';
import * as remote from './remote.js';
import { channelClosedError, channelOpen } from './remote.js';
import { SftpStatus } from './status.js';
import { timedOpen, type TransferWindow } from './window.js';

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

/** The file opened for writing on a second SFTP channel of the same connection (see windowedPut). */
export interface Lane {
  sftp: SFTPWrapper;
  handle: Buffer;
}

/** Opens the file being written on a second channel; undefined when there is none to be had. */
export type LaneSource = () => Promise<Lane | undefined>;

/**
 * A put asks for a second lane once its window has reached what one channel carries per round trip (sshd
 * grants 2 MiB at a time) with this much of the file still to send: the lane costs ~4 round trips to open
 * (channel, subsystem, SFTP version, the file's OPEN), which 16 MiB at two windows a round trip repays.
 */
export const LANE_AT_WINDOW = 2 * 1024 * 1024;
export const LANE_MIN_REST = 16 * 1024 * 1024;

/** Error code of the read/write refused because the signal fired; the caller turns it into AbortError. */
export const TRANSFER_ABORTED = 'FLEET_TRANSFER_ABORTED';

type Done = (err: Error | null | undefined, bytes: number) => void;
/** Reads or writes `len` bytes of `buf` at file offset `position`; reports how many moved. */
type Io = (buf: Buffer, len: number, position: number, cb: Done) => void;

function stopReason(sftp: SFTPWrapper, signal: AbortSignal): Error | undefined {
  if (signal.aborted) return Object.assign(new Error('transfer cancelled'), { code: TRANSFER_ABORTED });
  if (!channelOpen(sftp)) return channelClosedError();
  return undefined;
}

function shorterThanExpected(): Error {
  // The message is what the operator sees behind "cannot put/get <path>: ".
  return Object.assign(new Error('the file got shorter while it was being copied'), { code: SftpStatus.FAILURE });
}

/**
 * The writing side of a pipeline: one Io, or more as lanes open; each chunk goes to the one with the fewest
 * bytes in flight.
 */
interface Writers {
  pick(): { io: Io; lane: number };
  moved(lane: number, bytes: number): void;
  /** Asks for another lane when the window says the link wants one (puts only). */
  consider(windowBytes: number, rest: number): void;
}

function singleWriter(io: Io): Writers {
  return { pick: () => ({ io, lane: 0 }), moved: () => undefined, consider: () => undefined };
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
  const writers = laneWriters(remoteIo(sftp, handle, o.signal, 'write'), o.signal, lanes);
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

/** Settles with `p`, or as soon as `signal` fires: a lane a hung host never opens must not hold the file. */
function untilAborted(p: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const done = () => {
      signal.removeEventListener('abort', done);
      resolve();
    };
    signal.addEventListener('abort', done);
    p.then(done, done);
  });
}

/**
 * The writers of a put: its own channel, and a second lane once the window has outgrown one channel on a
 * long link. sshd grants each channel 2 MiB at a time, and so does it scp's one channel: two channels carry
 * twice that per round trip. Every write is answered before the pipeline settles, so the lane's handle is
 * closed (and waited for) only after the last byte is in the file, and before the caller's own close.
 */
function laneWriters(own: Io, signal: AbortSignal, source: LaneSource | undefined): Writers & { close(): Promise<void> } {
  const ios: Io[] = [own];
  const bytes = [0];
  let asked = false;
  let lane: Lane | undefined;
  let opening: Promise<void> | undefined;
  return {
    pick() {
      let best = 0;
      for (let i = 1; i < ios.length; i++) if (bytes[i]! < bytes[best]!) best = i;
      return { io: ios[best]!, lane: best };
    },
    moved(i, n) {
      bytes[i]! += n;
    },
    consider(windowBytes, rest) {
      if (asked || !source || windowBytes < LANE_AT_WINDOW || rest < LANE_MIN_REST) return;
      asked = true;
      // A lane that cannot be had (a server at MaxSessions, a refused OPEN) leaves the file on one channel.
      opening = source().then(
        (got) => {
          if (!got) return;
          lane = got;
          ios.push(remoteIo(got.sftp, got.handle, signal, 'write'));
          bytes.push(0);
        },
        () => undefined,
      );
    },
    async close() {
      if (opening) await untilAborted(opening, signal);
      if (!lane) return;
      let failed: unknown;
      await untilAborted(
        remote.close(lane.sftp, lane.handle).catch((err: unknown) => void (failed = err)),
        signal,
      );
      if (failed !== undefined) throw failed;
    },
  };
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
