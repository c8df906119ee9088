import { toPlainError, type FleetError } from '../../core/errors.js';
import type { HostResult } from '../../core/result.js';
import type { PoolWorker } from '../transport/pool-worker.js';
import type { TaskEnd } from '../transport/protocol.js';
import type { HostTask } from '../transport/task.js';
import { ResultBuilder } from './result-builder.js';

/** One host of a run, from the queue to its result, across its attempts. */
export interface HostEntry {
  task: HostTask;
  builder: ResultBuilder;
  attempts: number;
  /** A step began: a crash must not re-run this host (its command may have had effects). */
  stepped: boolean;
  /** Its start event went out (each host gets one, even one that never ran). */
  announced: boolean;
  /** When its latest attempt was handed to a worker: a crash report gives the time the host really ran. */
  dispatchedAt?: number;
  worker?: PoolWorker;
  result?: HostResult;
}

export function hostEntry(task: HostTask, maxOutputBytes: number): HostEntry {
  return { task, builder: new ResultBuilder(task.host.host, maxOutputBytes), attempts: 0, stepped: false, announced: false };
}

/** How long a host has been in a worker's hands (0 if it never was). */
export function elapsedMs(entry: HostEntry): number {
  return entry.dispatchedAt === undefined ? 0 : Math.round(performance.now() - entry.dispatchedAt);
}

/** The end of a host whose worker never sent one (it crashed, or the run stopped waiting): no exit status. */
export function unendedEnd(entry: HostEntry, error: FleetError, started: boolean): TaskEnd {
  return { ok: false, exitCode: null, signal: null, durationMs: elapsedMs(entry), started, error: toPlainError(error) };
}
