import { BrokerPool } from '../broker/client.js';
import type { HostConfig } from '../inventory/index.js';
import { WorkerPool, type PoolOptions } from '../runner/controller/pool.js';
import type { RunPool } from '../runner/controller/run-options.js';
import { buildTargets, type TargetOverrides } from '../runner/controller/targets.js';
import type { HostTarget } from '../runner/transport/task.js';
import type { QueueHostInfo } from '../queue/queue-pool.js';
import { DEFAULT_ZONE } from '../queue/zone.js';
import { refsOf, withoutSecrets, type HostRefs } from '../queue/secrets.js';
import type { QueueOptions } from '../queue/queue-url.js';
import { completeTargets, type PreparedHosts } from './hosts.js';
import { LazyPool } from './lazy-pool.js';

/**
 * What a Fleet and every Fleet select()ed from it share: the worker pool, with the sessions its workers
 * hold, and the hosts' connection targets (secrets resolved once). A rollback of the failed hosts therefore
 * reuses the sessions the deploy opened, and reconnects nothing else.
 */
export class SharedPool {
  readonly pool: RunPool;
  private targets: Promise<Map<string, HostTarget>> | undefined;
  private readonly queued: boolean;

  constructor(
    private readonly prepared: PreparedHosts,
    private readonly overrides: () => TargetOverrides,
    options: PoolOptions,
    /** Run on the session broker (--persist), which closes what is idle this long: the sessions outlive us. */
    brokerIdleMs?: number,
    /** Run on fleet agents through a queue: secrets stay references that each agent resolves. */
    queue?: { queue: string | QueueOptions; sudoPassword?: string },
  ) {
    this.queued = queue !== undefined;
    this.pool = queue
      ? new LazyPool(async () => new (await import('../queue/queue-pool.js')).QueuePool(queue.queue, this.queueInfo(queue.sudoPassword)))
      : brokerIdleMs !== undefined
        ? new BrokerPool(options, brokerIdleMs)
        : new WorkerPool(prepared.selected.length, options);
  }

  /** Secrets stay references, resolved by each agent; a host's zone is its inventory variable `zone`. */
  private queueInfo(sudoPassword: string | undefined): QueueHostInfo {
    const byName = new Map<string, HostConfig>();
    for (const h of [...this.prepared.forTargets.hosts, ...this.prepared.selected]) byName.set(h.name, h);
    const refs = new Map<string, HostRefs>();
    return {
      refs: (name) => {
        const host = byName.get(name);
        if (!host) return undefined;
        if (!refs.has(name)) refs.set(name, refsOf(host, this.overrides().password));
        return refs.get(name);
      },
      zoneOf: (name) => byName.get(name)?.variables?.zone ?? DEFAULT_ZONE,
      ...(sudoPassword !== undefined ? { sudoPassword } : {}),
    };
  }

  /** The targets of `hosts` (all of them among the first Fleet's), built for all at the first call. */
  async targetsOf(hosts: readonly HostConfig[]): Promise<HostTarget[]> {
    const all = this.prepared.selected;
    this.targets ??= this.build(all).then((t) => new Map(t.map((target, i) => [all[i]!.name, target])));
    const byName = await this.targets;
    return hosts.map((h) => byName.get(h.name)!);
  }

  /** Through a queue nothing is resolved here: the targets are built from the hosts without their secrets. */
  private async build(all: HostConfig[]): Promise<HostTarget[]> {
    if (!this.queued) return completeTargets(await buildTargets(all, this.prepared.forTargets, this.overrides()), this.prepared);
    const { password: _p, ...overrides } = this.overrides();
    const inventory = { ...this.prepared.forTargets, hosts: this.prepared.forTargets.hosts.map(withoutSecrets) };
    return completeTargets(await buildTargets(all.map(withoutSecrets), inventory, overrides), this.prepared);
  }
}
