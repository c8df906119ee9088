import type { HostConfig } from '../inventory/index.js';
import { BrokerPool } from '../broker/client.js';
import { WorkerPool, type PoolOptions } from '../runner/controller/pool.js';
import type { RunPool } from '../runner/controller/run-options.js';
import { buildTargets, type TargetOverrides } from '../runner/controller/targets.js';
import type { HostTarget } from '../runner/transport/task.js';
import { completeTargets, type PreparedHosts } from './hosts.js';

/**
 * What a Fleet and every Fleet select()ed from it share: the worker pool, with the sessions its workers
 * hold, and the hosts' connection targets (secrets resolved once). A rollback of the failed hosts therefore
 * reuses the sessions the deploy opened, and reconnects nothing else.
 */
export class SharedPool {
  readonly pool: RunPool;
  private targets: Promise<Map<string, HostTarget>> | undefined;

  constructor(
    private readonly prepared: PreparedHosts,
    private readonly overrides: () => TargetOverrides,
    options: PoolOptions,
    /** Run on the session broker (--persist), which closes what is idle this long: the sessions outlive us. */
    brokerIdleMs?: number,
  ) {
    this.pool = brokerIdleMs !== undefined ? new BrokerPool(options, brokerIdleMs) : new WorkerPool(prepared.selected.length, options);
  }

  /** The targets of `hosts` (all of them among the first Fleet's), built for all at the first call. */
  async targetsOf(hosts: readonly HostConfig[]): Promise<HostTarget[]> {
    const all = this.prepared.selected;
    this.targets ??= buildTargets(all, this.prepared.forTargets, this.overrides())
      .then((t) => completeTargets(t, this.prepared))
      .then((t) => new Map(t.map((target, i) => [all[i]!.name, target])));
    const byName = await this.targets;
    return hosts.map((h) => byName.get(h.name)!);
  }
}
