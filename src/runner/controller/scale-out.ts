import { availableParallelism } from 'node:os';
import { performance } from 'node:perf_hooks';

/**
 * When a run inside the controller (the inline worker) should fork workers for the hosts still waiting.
 *
 * A command costs the client a few ms of CPU per host (the handshake's key exchange and signature), and on a
 * fleet far away that, not the link, is what limits a big run: 1,000 hosts × ~3 ms is 3 s of one core. A host
 * count cannot tell this (co-located servers or a throttled link slow each host down, so the same count is
 * never CPU-bound there), so the run watches the one core it has: forks when its event loop has been busy
 * `busyShare` of each of the last `looks` windows of `windowMs` (more than the burst of a run's first
 * connections) and the waiting hosts, at the CPU a started host has cost so far, still need
 * `minRemainingCpuMs` — well above a worker's own start (a Node process and a second load of ssh2).
 */
export interface ScaleOutRule {
  busyShare: number;
  windowMs: number;
  looks: number;
  minRemainingCpuMs: number;
  /** How many times the output relay's time is taken off the CPU a move could spare (shouldScaleOut). */
  relayWeight: number;
}

export const SCALE_OUT: ScaleOutRule = { busyShare: 0.9, windowMs: 300, looks: 2, minRemainingCpuMs: 1_000, relayWeight: 2 };

/** What the run tells the rule at each look. */
export interface RunLoad {
  /** Hosts handed to a worker so far in this run. */
  started: number;
  waiting: number;
  /** Time the controller spent taking in the hosts' output (lines, results, sinks) so far, ms. */
  relayMs: number;
}

export interface CpuSample extends RunLoad {
  /** Share of the last window the event loop was busy, 0..1. */
  busy: number;
  /** The process's CPU (user + system) since the run began, ms. */
  cpuMs: number;
}

/**
 * Only the SSH side of the controller's CPU moves to workers. Output stays: every byte is still split into
 * lines and kept here, and reaches here over IPC, which costs about what handing it over in-process did
 * again. So what a move can spare is the CPU less twice the relay's; on a run whose hosts print a lot
 * (64 hosts × 20 MB at -f 16: 9.0 s inline, 10.0 s when this rule forked) that is nothing.
 */
export function shouldScaleOut(s: CpuSample, rule: ScaleOutRule = SCALE_OUT): boolean {
  if (s.started === 0 || s.waiting === 0) return false;
  const movableMs = s.cpuMs - rule.relayWeight * s.relayMs;
  return s.busy >= rule.busyShare && (movableMs / s.started) * s.waiting >= rule.minRemainingCpuMs;
}

/** Workers worth forking beside the controller: one per core it does not use itself. */
export function extraWorkers(forks: number): number {
  return Math.max(0, Math.min(availableParallelism() - 1, forks - 1));
}

/**
 * Looks at the controller's load every `windowMs` of a run and calls `scale` once, the first time the rule
 * has held `looks` times in a row. Its timer never keeps the process alive; `stop()` at the run's end.
 */
export function watchCpu(load: () => RunLoad, scale: () => void, rule: ScaleOutRule = SCALE_OUT): () => void {
  const cpu0 = process.cpuUsage();
  let elu = performance.eventLoopUtilization();
  let hits = 0;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const busy = performance.eventLoopUtilization(now, elu).utilization;
    elu = now;
    const used = process.cpuUsage(cpu0);
    hits = shouldScaleOut({ ...load(), busy, cpuMs: (used.user + used.system) / 1000 }, rule) ? hits + 1 : 0;
    if (hits < rule.looks) return;
    clearInterval(timer);
    scale();
  }, rule.windowMs);
  timer.unref();
  return () => clearInterval(timer);
}
