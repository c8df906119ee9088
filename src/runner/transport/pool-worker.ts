import type { FromWorker, ToWorker } from './protocol.js';
import type { HostTask } from './task.js';

/** How a worker process ended, and the tasks it was running then (their ends will never come). */
export interface WorkerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  lost: number[];
}

/** What the controller sends besides tasks, which go through `assign` so that they hold a slot. */
export type WorkerControl = Exclude<ToWorker, { type: 'task' }>;

export type OnWorkerMessage = (worker: PoolWorker, message: FromWorker) => void;
export type OnWorkerExit = (worker: PoolWorker, exit: WorkerExit) => void;

/**
 * What the pool and a run need of a worker, forked or inline. The worker alone keeps its in-flight tasks:
 * `assign` takes a slot, the task's `end` message gives it back (before the message is passed on), an exit
 * gives them all back as `lost`.
 */
export interface PoolWorker {
  readonly slots: number;
  readonly exited: boolean;
  /** Tasks running on it now. */
  readonly busy: number;
  /** Slots free for new tasks. */
  readonly free: number;
  /** A new number of slots (the pool's share of `forks` changed); running tasks are not affected. */
  resize(slots: number): void;
  readonly pid: number | undefined;
  /** Sends a task under a fresh id; it holds one slot until its end arrives or the worker exits. */
  assign(id: number, task: HostTask): void;
  send(message: WorkerControl): void;
  stop(graceMs?: number): Promise<void>;
}
