import type { PoolWorker } from '../transport/pool-worker.js';

/**
 * Which worker holds each host's session: a host's later tasks go back to it, so a Fleet's calls reuse the
 * login its first call paid for (DESIGN.md §5). Kept by the pool across runs; a worker that exits takes its
 * hosts' homes with it, and they find a new one.
 */
export class Affinity {
  private readonly homes = new Map<string, PoolWorker>();
  private readonly counts = new Map<PoolWorker, number>();

  /** The host's worker, if it has one that is still alive. */
  homeOf(host: string): PoolWorker | undefined {
    const home = this.homes.get(host);
    if (home && !home.exited) return home;
    if (home) this.unbind(host, home);
    return undefined;
  }

  /** For a host without a home: the free worker with the fewest homes per slot, so calls stay balanced. */
  pick(free: readonly PoolWorker[]): PoolWorker | undefined {
    let best: PoolWorker | undefined;
    let bestLoad = Infinity;
    for (const w of free) {
      const load = (this.counts.get(w) ?? 0) / Math.max(1, w.slots);
      if (load < bestLoad) [best, bestLoad] = [w, load];
    }
    return best;
  }

  bind(host: string, worker: PoolWorker): void {
    const old = this.homes.get(host);
    if (old === worker) return;
    if (old) this.unbind(host, old);
    this.homes.set(host, worker);
    this.counts.set(worker, (this.counts.get(worker) ?? 0) + 1);
  }

  private unbind(host: string, worker: PoolWorker): void {
    this.homes.delete(host);
    const n = (this.counts.get(worker) ?? 1) - 1;
    if (n > 0) this.counts.set(worker, n);
    else this.counts.delete(worker);
  }
}
