import type { HostResult } from '../core/result.js';
import type { PoolOptions } from '../runner/controller/pool.js';
import type { PoolRunOptions, RunPool } from '../runner/controller/run-options.js';
import type { HeldSessionInfo } from '../runner/transport/protocol.js';
import type { HostTask } from '../runner/transport/task.js';
import { findBroker, openBroker } from './connect.js';
import { dropEarlyLink, takeEarlyLink } from './early-link.js';
import type { BrokerLink } from './link.js';
import { runRemote } from './remote-run.js';

/** What the broker holds, for `fleet sessions`; undefined when no broker runs. */
export interface BrokerSessions {
  pid: number | undefined;
  sessions: HeldSessionInfo[];
}

/**
 * A Fleet's pool when its sessions live in the broker: the same run()/close() as a WorkerPool. The broker
 * is started on the first run; close() only lets go of the connection — the sessions stay for the next
 * command until the broker has been idle for `idleMs`.
 */
export class BrokerPool implements RunPool {
  private link: Promise<BrokerLink> | undefined;
  private nextId = 0;
  private running = false;
  private closed = false;

  constructor(
    private readonly pool: PoolOptions,
    private readonly idleMs: number,
  ) {}

  /** The live connection; after the broker died (or idled out) between runs, a new one is started. */
  private async connected(): Promise<BrokerLink> {
    // While a broker starts only its unref'd polling runs (connect.ts): the run keeps the process alive.
    const hold = setInterval(() => undefined, 1 << 30);
    try {
      return await this.connect();
    } finally {
      clearInterval(hold);
    }
  }

  private async connect(): Promise<BrokerLink> {
    const current = await (this.link ?? takeEarlyLink())?.catch(() => undefined);
    if (current && !current.closed) {
      current.keepAlive(true);
      this.link = Promise.resolve(current);
      return current;
    }
    this.link = openBroker(this.idleMs);
    return this.link;
  }

  async run(tasks: HostTask[], options: PoolRunOptions = {}): Promise<HostResult[]> {
    if (this.closed) throw new Error('the worker pool is closed');
    if (this.running) throw new Error('one run at a time per Fleet: await the previous call first');
    this.running = true;
    try {
      const link = await this.connected();
      return await runRemote(link, { id: ++this.nextId, pool: this.pool, idleMs: this.idleMs, tasks, options });
    } finally {
      this.running = false;
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    dropEarlyLink();
    (await this.link?.catch(() => undefined))?.close();
  }
}

export async function brokerSessions(): Promise<BrokerSessions | undefined> {
  const link = await findBroker();
  if (!link) return undefined;
  const answer = await link.request({ type: 'sessions' });
  link.close();
  return { pid: link.pid, sessions: answer?.type === 'sessions' ? answer.sessions : [] };
}

/** Ends the broker and every session it holds; false when none was running. */
export async function stopBroker(): Promise<boolean> {
  const link = await findBroker();
  if (!link) return false;
  await link.request({ type: 'stop' });
  await link.whenClosed;
  return true;
}
