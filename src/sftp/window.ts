import { cpus } from 'node:os';
import { MAX_GET_WINDOW } from './defaults.js';

/**
 * How many bytes of one file may be in flight (sent and not yet acknowledged) at once.
 *
 * A fixed window suits co-located hosts: on loopback 512 KiB is the cheapest (more makes OpenSSH's sshd spend
 * its CPU in page faults and copies, see defaults.ts). On a long link it caps one file at window/RTT: 512 KiB
 * at 20 ms is 25 MiB/s, where scp moved 100 MiB in 2.1 s (bench, issue 17).
 *
 * So the adaptive window probes, as TCP's slow start does, and judges each round twice:
 * - the rate must have risen by GROWTH_THRESHOLD over the window before (the first round has none before it):
 *   many transfers sharing a saturated machine see long answers too, but a bigger window buys them nothing;
 * - and, as TCP Vegas does, the round must move at least UNQUEUED_SHARE of window / fastest answer seen: the
 *   requests spent their time on the link, not queueing at a busy end. Next to an idle host the 4th request
 *   in flight waits for the three before it, so the rate is a quarter of that, and a link already full (more
 *   requests only queue in the SSH channel) fails the same way.
 * One round proves nothing on two shared cores (50 transfers at once: a round's rate swings 0.1–6× from the
 * one before), so a window doubles after two passing rounds in a row and is given up for the one before it
 * after two failing ones.
 *
 * A round starts once the bytes sent under the previous window are acknowledged (they would measure the old
 * window) and lasts until a whole window has been acknowledged and at least MIN_ROUND_MS have passed.
 *
 * Two rounds per doubling cost about three round trips each: ~950 ms from 512 KiB to 4 MiB at 80 ms, ~380 ms
 * at 20 ms (issue 17, put 1.06-1.13x scp). A round that is plainly far is decisive alone and quadruples the
 * window: every answer took at least FAR_LATENCY_MS, the round moved at least FAR_SHARE of window / fastest
 * answer (the time went to the link, not to queueing), and the machine's cores were busy less than
 * FAR_MAX_BUSY of the time meanwhile. The last is what tells a link from a saturated machine next to the
 * host: there, answers are slow too, because the cores are busy (50 transfers on two cores keep both near
 * full, in sshd as much as in fleet's workers: one process's own CPU would not show it). A machine busy
 * with anything else only falls back to the two-round rule.
 */

export interface TransferWindow {
  /** Bytes that may be in flight now. */
  readonly bytes: number;
  /** The largest window used so far. */
  readonly reached: number;
  /** `bytes`, sent at `sentAt`, were acknowledged at `now` (ms, monotonic). */
  acked(bytes: number, now: number, sentAt: number): void;
  /**
   * The file's OPEN was answered after `ms`, the machine's cores `busy` (0-1) of that time; called before
   * any data moves. A far answer (as for a far round, below) starts the window FAR_GROWTH times larger.
   */
  opened(ms: number, busy: number): void;
  /** The file is done: its window no longer counts against the process's budget. */
  close(): void;
}

/**
 * Bytes that all adaptive windows in this process may hold together. A window grows only while the total
 * stays within it: many transfers at once already keep plenty in flight, and they are bound by the client's
 * CPU, not by the link (issue 17: 10 MiB to 50 hosts behind 20 ms ran as fast as on loopback). On two shared
 * cores their rates also swing too much for any round to be judged.
 */
export interface WindowBudget {
  used: number;
  readonly limit: number;
}

/** A doubling has to raise the rate by this factor to be kept. */
export const GROWTH_THRESHOLD = 1.25;
/** Shortest round measured: a few scheduler time slices. */
export const MIN_ROUND_MS = 25;
/**
 * Measured here (issue 17): next to the host a round moved 0.04–0.24 of window / fastest answer; behind
 * 20–80 ms links 0.5–1.0 when the link had room.
 */
export const UNQUEUED_SHARE = 0.4;
/** Rounds in a row that decide: this many passes double the window, this many failures end the probe. */
export const ROUNDS_TO_DECIDE = 2;
/** A far round: every answer took this long (loopback answers in under 1 ms, a LAN in a few). */
export const FAR_LATENCY_MS = 10;
/** A far round moved at least this share of window / fastest answer (behind 20-80 ms links: 0.5-1.0). */
export const FAR_SHARE = 0.7;
/** A far round: the machine's cores were busy less than this share of it. */
export const FAR_MAX_BUSY = 0.5;
/** A far round grows the window this many times over. */
export const FAR_GROWTH = 4;

/** CPU time of all the machine's cores since boot, in ms: busy, and in all. */
export type CpuClock = () => { busyMs: number; totalMs: number };

const machineCpu: CpuClock = () => {
  let busyMs = 0;
  let totalMs = 0;
  for (const { times } of cpus()) {
    busyMs += times.user + times.nice + times.sys + times.irq;
    totalMs += times.user + times.nice + times.sys + times.irq + times.idle;
  }
  return { busyMs, totalMs };
};

/** Share (0-1) of the cores' time that was busy since `from`; 1 when too little time passed to tell. */
function busySince(clock: CpuClock, from: { busyMs: number; totalMs: number }): number {
  const now = clock();
  const total = now.totalMs - from.totalMs;
  return total > 0 ? (now.busyMs - from.busyMs) / total : 1;
}

export function fixedWindow(bytes: number): TransferWindow {
  return { bytes, reached: bytes, acked: () => undefined, opened: () => undefined, close: () => undefined };
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
  private roundCpu = { busyMs: 0, totalMs: 0 };
  private passes = 0;
  private misses = 0;
  /** The window before the last growth, to go back to. */
  private previous = 0;
  /** Best rate of the window before this one; 0 in the first. */
  private before = 0;
  private best = 0;

  private closed = false;

  constructor(
    initial: number,
    private readonly max: number,
    private readonly budget: WindowBudget,
    private readonly cpu: CpuClock,
  ) {
    this.bytes = initial;
    this.reached = initial;
    this.probing = initial < max;
    budget.used += initial;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.budget.used -= this.bytes;
  }

  opened(ms: number, busy: number): void {
    const untouched = this.roundStart === undefined && this.previous === 0;
    if (!this.probing || this.closed || !untouched || ms < FAR_LATENCY_MS || busy >= FAR_MAX_BUSY) return;
    this.grow(Math.min(this.max, this.bytes * FAR_GROWTH));
  }

  /** False when the budget has no room for `next` bytes, which ends the probe. */
  private grow(next: number): boolean {
    if (this.budget.used + next - this.bytes > this.budget.limit) {
      this.probing = false;
      return false;
    }
    this.previous = this.bytes;
    this.resize(next);
    this.reached = Math.max(this.reached, this.bytes);
    this.probing = this.bytes < this.max;
    return true;
  }

  private resize(bytes: number): void {
    this.budget.used += bytes - this.bytes;
    this.bytes = bytes;
  }

  private startRound(now: number): void {
    this.roundStart = now;
    this.roundBytes = 0;
    this.roundCpu = this.cpu();
  }

  acked(bytes: number, now: number, sentAt: number): void {
    if (!this.probing || this.closed) return;
    this.minLatency = Math.min(this.minLatency, Math.max(now - sentAt, 0.001));
    if (this.settling > 0) {
      this.settling -= bytes;
      if (this.settling <= 0) this.startRound(now);
      return;
    }
    // The first acknowledgement only starts the clock: before it, the time is the pipe filling, not a rate.
    if (this.roundStart === undefined) {
      this.startRound(now);
      return;
    }
    this.roundBytes += bytes;
    const elapsed = now - this.roundStart;
    if (this.roundBytes < this.bytes || elapsed < MIN_ROUND_MS) return;
    const rate = this.roundBytes / elapsed;
    const unqueued = this.bytes / this.minLatency;
    const far = this.minLatency >= FAR_LATENCY_MS && rate >= unqueued * FAR_SHARE && busySince(this.cpu, this.roundCpu) < FAR_MAX_BUSY;
    this.startRound(now);
    this.best = Math.max(this.best, rate);
    const passed = rate >= this.before * GROWTH_THRESHOLD && rate >= unqueued * UNQUEUED_SHARE;
    this.passes = passed ? this.passes + 1 : 0;
    this.misses = passed ? 0 : this.misses + 1;
    if (this.passes >= ROUNDS_TO_DECIDE || (passed && far)) {
      const settling = this.bytes;
      if (!this.grow(Math.min(this.max, this.bytes * (far ? FAR_GROWTH : 2)))) return;
      this.passes = 0;
      this.before = this.best;
      this.best = 0;
      this.settling = settling;
    } else if (this.misses >= ROUNDS_TO_DECIDE) {
      // The window before this one did as well with fewer bytes queued. The start has none before it.
      if (this.previous > 0) this.resize(this.previous);
      this.probing = false;
    }
  }
}

/** Runs `open` (a file's OPEN) and tells `window` how long its answer took and how busy the cores were. */
export async function timedOpen<T>(window: TransferWindow, open: () => Promise<T>, clock: CpuClock = machineCpu): Promise<T> {
  const [at, cpu] = [performance.now(), clock()];
  const value = await open();
  window.opened(performance.now() - at, busySince(clock, cpu));
  return value;
}

/** The budget of every adaptive window in this process (MAX_GET_WINDOW: what one file may reach). */
export const processBudget: WindowBudget = { used: 0, limit: MAX_GET_WINDOW };

/**
 * Starts at `initial` bytes and doubles, up to `max`, while requests wait on the link rather than queue and
 * the budget has room. Call close() when the file is done.
 */
export function adaptiveWindow(initial: number, max: number, budget: WindowBudget = processBudget, cpu: CpuClock = machineCpu): TransferWindow {
  return new AdaptiveWindow(initial, max, budget, cpu);
}
