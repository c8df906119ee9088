import type { FromWorker, ToWorker } from './protocol.js';
import type { PoolWorker, WorkerControl } from './pool-worker.js';
import type { HostTask } from './task.js';

/**
 * What both transports share: the worker object keeps its own in-flight task ids. They outlive a run: a host
 * still ending after its run gave up on it (the stop grace) keeps its slot, because the worker is still
 * running it.
 */
export abstract class SlottedWorker implements Pick<PoolWorker, 'slots' | 'busy' | 'free' | 'resize' | 'assign' | 'send'> {
  private readonly inflight = new Set<number>();
  abstract readonly exited: boolean;

  constructor(private size: number) {}

  get slots(): number {
    return this.size;
  }

  /** Fewer slots when workers are forked beside it mid-run: tasks above the new size just finish. */
  resize(slots: number): void {
    this.size = slots;
  }

  /** Tasks it runs now; above `slots` for a while after a resize. */
  get busy(): number {
    return this.inflight.size;
  }

  get free(): number {
    return this.exited ? 0 : Math.max(0, this.size - this.inflight.size);
  }

  assign(id: number, task: HostTask): void {
    this.inflight.add(id);
    this.post({ type: 'task', id, task });
  }

  send(message: WorkerControl): void {
    this.post(message);
  }

  protected abstract post(message: ToWorker): void;

  /** Every message from the worker passes here before it is passed on: an end gives its task's slot back. */
  protected received(message: FromWorker): void {
    if (message.type === 'end') this.inflight.delete(message.id);
  }

  /** The worker is gone: the tasks it was running, none of which holds a slot any more. */
  protected drain(): number[] {
    const ids = [...this.inflight];
    this.inflight.clear();
    return ids;
  }
}
