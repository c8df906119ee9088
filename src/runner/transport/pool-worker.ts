import type { ToWorker } from './protocol.js';

/** What the pool and a run need of a worker, forked or inline. */
export interface PoolWorker {
  readonly slots: number;
  /** Task ids this worker is running. */
  readonly inflight: Set<number>;
  readonly exited: boolean;
  /** Slots free for new tasks. */
  readonly free: number;
  readonly pid: number | undefined;
  send(message: ToWorker): void;
  stop(graceMs?: number): Promise<void>;
}
