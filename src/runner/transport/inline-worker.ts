import type { FromWorker, ToWorker, WorkerStart } from './protocol.js';
import type { OnWorkerMessage, PoolWorker } from './pool-worker.js';
import { SlottedWorker } from './slotted-worker.js';

/** The worker's side of the protocol as the inline transport drives it (worker/task-runner.ts is one). */
export interface WorkerSide {
  handle(message: ToWorker): void;
  /** Cancels what runs and ends the sessions it holds. */
  shutdown(): Promise<void>;
}

/** Builds the worker's side: given by the controller, so this transport knows no worker code. */
export type WorkerSideFactory = (start: WorkerStart, send: (message: FromWorker) => void) => WorkerSide;

/**
 * A worker that runs in the controller process. For a run that would get one worker, forking buys no
 * parallelism and costs a process start plus a second load of ssh2; the protocol is the same either way.
 */
export class InlineWorker extends SlottedWorker implements PoolWorker {
  readonly exited = false;
  private readonly side: WorkerSide;

  constructor(start: WorkerStart, makeSide: WorkerSideFactory, onMessage: OnWorkerMessage) {
    super(start.slots);
    // Delivered as microtasks, in order, so the controller never re-enters itself from inside a send().
    this.side = makeSide(start, (m) =>
      queueMicrotask(() => {
        this.received(m);
        onMessage(this, m);
      }),
    );
  }

  get pid(): number {
    return process.pid;
  }

  protected post(message: ToWorker): void {
    this.side.handle(message);
  }

  async stop(): Promise<void> {
    await this.side.shutdown();
  }
}
