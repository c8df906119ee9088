import type { HostResult } from '../core/result.js';
import type { PoolRunOptions, RunPool } from '../runner/controller/run-options.js';
import type { HostTask } from '../runner/transport/task.js';

/**
 * A pool made on its first run. The queue's pool pulls in the NATS client (~80 modules, a third of the
 * library's load time), which a Fleet that never runs on agents should not pay for at import.
 */
export class LazyPool implements RunPool {
  private made: Promise<RunPool> | undefined;

  constructor(private readonly make: () => Promise<RunPool>) {}

  run(tasks: HostTask[], options?: PoolRunOptions): Promise<HostResult[]> {
    this.made ??= this.make();
    return this.made.then((pool) => pool.run(tasks, options));
  }

  async close(): Promise<void> {
    if (this.made) await (await this.made).close();
  }
}
