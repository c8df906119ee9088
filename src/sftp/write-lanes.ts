import type { SFTPWrapper } from 'ssh2';
import * as remote from './remote.js';

/**
 * The writing side of a put's pipeline: the file's own channel, and a second lane once the window has
 * outgrown what one channel carries on a long link. sshd lets each channel have 2 MiB unacknowledged, scp's
 * one channel too: two carry twice that per round trip. Each chunk goes to the lane with the fewest bytes
 * in flight.
 */

type Done = (err: Error | null | undefined, bytes: number) => void;
/** Reads or writes `len` bytes of `buf` at file offset `position`; reports how many moved. */
export type Io = (buf: Buffer, len: number, position: number, cb: Done) => void;

/** The file opened for writing on a second SFTP channel of the same connection. */
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

export interface Writers {
  pick(): { io: Io; lane: number };
  moved(lane: number, bytes: number): void;
  /** Asks for another lane when the window says the link wants one (puts only). */
  consider(windowBytes: number, rest: number): void;
}

export function singleWriter(io: Io): Writers {
  return { pick: () => ({ io, lane: 0 }), moved: () => undefined, consider: () => undefined };
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
 * `own` and, when `source` gives one, a second lane written through `ioOf`. Every write is answered before
 * the pipeline settles, so `close()` — the lane's CLOSE, waited for, its failure the file's — comes after
 * the last byte is in the file and before the caller's own close and rename.
 */
export function laneWriters(
  own: Io,
  signal: AbortSignal,
  source: LaneSource | undefined,
  ioOf: (lane: Lane) => Io,
): Writers & { close(): Promise<void> } {
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
          ios.push(ioOf(got));
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
