/**
 * How many bytes of one file may be in flight (sent and not yet acknowledged) at once.
 *
 * A fixed window suits co-located hosts: on loopback 512 KiB is the cheapest (more makes OpenSSH's sshd spend
 * its CPU in page faults and copies, see defaults.ts). On a long link it caps one file at window/RTT: 512 KiB
 * at 20 ms is 25 MiB/s, where scp moved 100 MiB in 2.1 s (bench, issue 17).
 *
 * So the adaptive window probes, as TCP's slow start does, and judges each round the way TCP Vegas does:
 * if the round moved at least UNQUEUED_SHARE of window / fastest answer seen, the requests spent their time
 * on the link, not queueing at a busy end, and the window doubles. A long link passes (every request takes
 * about the round trip); a host next to the client fails at once (the 4th request in flight waits for the
 * three before it, so the rate is a quarter of that), and so does a link already full, where more requests
 * only queue in the SSH channel. A window that fails twice in a row (one slow round on two shared cores
 * proves nothing) is given up for the one before it. The rate alone would be a worse judge: on a busy
 * machine a round's rate swings by 2× either way.
 *
 * A round starts once the bytes sent under the previous window are acknowledged (they would measure the old
 * window) and lasts until a whole window has been acknowledged and at least MIN_ROUND_MS have passed.
 */

export interface TransferWindow {
  /** Bytes that may be in flight now. */
  readonly bytes: number;
  /** The largest window used so far. */
  readonly reached: number;
  /** `bytes`, sent at `sentAt`, were acknowledged at `now` (ms, monotonic). */
  acked(bytes: number, now: number, sentAt: number): void;
}

/** Shortest round measured: a few scheduler time slices. */
export const MIN_ROUND_MS = 25;
/**
 * Measured here (issue 17): next to the host a round moved 0.04–0.24 of window / fastest answer; behind
 * 20–80 ms links 0.5–1.0 when the link had room.
 */
export const UNQUEUED_SHARE = 0.4;
/** Rounds in a row a window may fail before it is given up. */
export const MISSES_TO_STOP = 2;

export function fixedWindow(bytes: number): TransferWindow {
  return { bytes, reached: bytes, acked: () => undefined };
}

class AdaptiveWindow implements TransferWindow {
  bytes: number;
  reached: number;
  private probing: boolean;
  private roundStart: number | undefined;
  private roundBytes = 0;
  /** Bytes still to be acknowledged from before the last change; the next round starts after them. */
  private settling = 0;
  private minLatency = Infinity;
  private misses = 0;
  private grown = false;

  constructor(
    initial: number,
    private readonly max: number,
  ) {
    this.bytes = initial;
    this.reached = initial;
    this.probing = initial < max;
  }

  acked(bytes: number, now: number, sentAt: number): void {
    if (!this.probing) return;
    this.minLatency = Math.min(this.minLatency, Math.max(now - sentAt, 0.001));
    if (this.settling > 0) {
      this.settling -= bytes;
      if (this.settling <= 0) this.roundStart = now;
      return;
    }
    // The first acknowledgement only starts the clock: before it, the time is the pipe filling, not a rate.
    if (this.roundStart === undefined) {
      this.roundStart = now;
      return;
    }
    this.roundBytes += bytes;
    const elapsed = now - this.roundStart;
    if (this.roundBytes < this.bytes || elapsed < MIN_ROUND_MS) return;
    const rate = this.roundBytes / elapsed;
    this.roundStart = now;
    this.roundBytes = 0;
    if (rate >= (this.bytes / this.minLatency) * UNQUEUED_SHARE) {
      this.misses = 0;
      this.grown = true;
      this.settling = this.bytes;
      this.bytes = Math.min(this.max, this.bytes * 2);
      this.reached = Math.max(this.reached, this.bytes);
      this.probing = this.bytes < this.max;
    } else if (++this.misses >= MISSES_TO_STOP) {
      // The window before this one had room; this one only queues. The start has none before it.
      if (this.grown) this.bytes /= 2;
      this.probing = false;
    }
  }
}

/** Starts at `initial` bytes and doubles, up to `max`, while requests wait on the link rather than queue. */
export function adaptiveWindow(initial: number, max: number): TransferWindow {
  return new AdaptiveWindow(initial, max);
}
