import type { PoolWorker } from '../transport/pool-worker.js';
import type { Affinity } from './affinity.js';
import type { HostEntry } from './host-entry.js';

/** Unique across runs of a process, so a late message from an earlier run can never match a new task. */
let nextTaskId = 1;

/**
 * Where each host of a run is: waiting in the queue, or running on a worker under a task id. Pull-based: a
 * worker gets a waiting host whenever one of its slots is free. The slots themselves are the worker's to
 * count (PoolWorker.assign and the task's end); this keeps only what the run needs to know.
 */
export class Dispatcher {
  private waiting: HostEntry[];
  private readonly running = new Map<number, HostEntry>();
  /** Hosts handed to a worker in this run (retries and re-runs count again). */
  started = 0;

  constructor(
    entries: readonly HostEntry[],
    private readonly affinity: Affinity,
    /** Hosts running at once across all workers: the pool's `forks`. */
    private readonly maxRunning: number = Number.POSITIVE_INFINITY,
  ) {
    this.waiting = [...entries];
  }

  /**
   * Hands waiting hosts, in order, to workers with free slots: a host to the worker that holds its session
   * (waiting for a slot there rather than logging in again elsewhere), a new one to the least loaded.
   */
  dispatch(workers: readonly PoolWorker[]): void {
    let free = workers.filter((w) => w.free > 0);
    // Right after workers were added (scale-out.ts) the old one may still run more than its new share.
    let room = this.maxRunning - workers.reduce((n, w) => n + w.busy, 0);
    if (free.length === 0 || this.waiting.length === 0 || room <= 0) return;
    const left: HostEntry[] = [];
    let i = 0;
    // Called at every task's end: once no slot is free, the rest of the queue waits as it is, unscanned.
    for (; i < this.waiting.length && free.length > 0 && room > 0; i++) {
      const entry = this.waiting[i]!;
      const host = entry.task.host.host;
      const home = this.affinity.homeOf(host);
      const worker = home ? (home.free > 0 ? home : undefined) : this.affinity.pick(free);
      if (!worker) {
        left.push(entry);
        continue;
      }
      this.affinity.bind(host, worker);
      this.assign(worker, entry);
      room--;
      if (worker.free === 0) free = free.filter((w) => w !== worker);
    }
    this.waiting = i < this.waiting.length ? left.concat(this.waiting.slice(i)) : left;
  }

  private assign(worker: PoolWorker, entry: HostEntry): void {
    const id = nextTaskId++;
    entry.attempts++;
    this.started++;
    entry.worker = worker;
    entry.dispatchedAt = performance.now();
    this.running.set(id, entry);
    worker.assign(id, entry.task);
  }

  get waitingCount(): number {
    return this.waiting.length;
  }

  /** The host a task id is about, while that task runs for this run. */
  entry(id: number): HostEntry | undefined {
    return this.running.get(id);
  }

  /** The task ended (or its worker died): its id no longer names a running host. */
  ended(id: number): HostEntry | undefined {
    const entry = this.running.get(id);
    this.running.delete(id);
    return entry;
  }

  /** A retry waits its turn behind the hosts not yet tried. */
  requeueLast(entry: HostEntry): void {
    this.waiting.push(entry);
  }

  /** A host a crash took from its worker goes first: it was already due. */
  requeueFirst(entry: HostEntry): void {
    this.waiting.unshift(entry);
  }

  /** Empties the queue: the hosts that will not start now. */
  takeWaiting(): HostEntry[] {
    return this.waiting.splice(0);
  }

  /** Asks each running host's worker to cancel it. */
  cancelRunning(): void {
    for (const [id, entry] of this.running) entry.worker?.send({ type: 'cancel', id });
  }
}
