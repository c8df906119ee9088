import type { FromWorker, ToWorker } from '../transport/protocol.js';
import type { PoolWorker } from '../transport/pool-worker.js';
import { TaskRunner } from './task-runner.js';

/**
 * A worker that runs in the controller process. For a run that would get one worker, forking buys no
 * parallelism and costs a process start plus a second load of ssh2; the protocol is the same either way.
 */
export class InlineWorker implements PoolWorker {
  readonly inflight = new Set<number>();
  readonly exited = false;
  private readonly runner: TaskRunner;

  constructor(
    readonly slots: number,
    creditWindow: number,
    onMessage: (worker: PoolWorker, message: FromWorker) => void,
  ) {
    // Delivered as microtasks, in order, so the controller never re-enters itself from inside a send().
    this.runner = new TaskRunner(slots, creditWindow, (m) => queueMicrotask(() => onMessage(this, m)));
  }

  get pid(): number {
    return process.pid;
  }

  get free(): number {
    return this.slots - this.inflight.size;
  }

  send(message: ToWorker): void {
    this.runner.handle(message);
  }

  async stop(): Promise<void> {
    this.runner.cancelAll();
  }
}
