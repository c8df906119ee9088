import { hostname } from 'node:os';
import { jetstream, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { checkZone, DEFAULT_ZONE } from './zone.js';
import { WorkerPool } from '../runner/controller/pool.js';
import type { ObjectStore } from '@nats-io/obj';
import { runBatch } from './agent-batch.js';
import { PayloadCache, payloadStore } from './payloads.js';
import { consumerOf, ensureQueue, HEARTBEAT_MS, HEARTBEATS, openQueue, parseQueue, STREAM, type QueueOptions } from './connection.js';
import { decode, encode, type Batch, type Heartbeat } from './wire.js';

export interface AgentOptions {
  queue: string | QueueOptions;
  name?: string;
  zone?: string;
  forks?: number;
  workers?: number;
  onLog?: (line: string) => void;
}

/**
 * `fleet agent`: a long-lived controller holding sessions (a WorkerPool with keepSessions) that takes its
 * zone's batches one at a time and publishes each host's events and result on the run's subject.
 */
export class Agent {
  readonly name: string;
  readonly zone: string;
  private readonly pool: WorkerPool;
  private readonly forks: number;
  private stopping = false;
  private running = 0;
  /** Runs cancelled by their submitter: their batches still in the queue are dropped. */
  private readonly cancelled = new Map<string, AbortController>();
  private done: Promise<void> | undefined;
  private payloads!: PayloadCache;
  private store: Promise<ObjectStore> | undefined;

  constructor(private readonly options: AgentOptions) {
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    this.zone = checkZone(options.zone ?? DEFAULT_ZONE);
    this.forks = Math.max(1, options.forks ?? 64);
    this.pool = new WorkerPool(this.forks, { forks: this.forks, keepSessions: true, ...(options.workers !== undefined ? { workers: options.workers } : {}) });
  }

  /** Connects and starts pulling; resolves once ready, `finished` when stopped. */
  async start(): Promise<void> {
    const nc = await openQueue(parseQueue(this.options.queue));
    const { claims } = await ensureQueue(nc, [this.zone]);
    const beat = setInterval(() => this.heartbeat(nc), HEARTBEAT_MS);
    this.heartbeat(nc);
    nc.subscribe('fleet.run.*.cancel', { callback: (_e, m) => this.controllerOf(m.subject.split('.')[2]!).abort() });
    this.payloads = new PayloadCache(
      () => (this.store ??= payloadStore(nc)),
      (p, bytes) => this.options.onLog?.(`fleet agent ${this.name}: fetched payload ${p.name} (${bytes} bytes)`),
    );
    const consumer = await jetstream(nc).consumers.get(STREAM, consumerOf(this.zone));
    this.options.onLog?.(`fleet agent ${this.name}: zone ${this.zone}, taking batches`);
    this.done = (async () => {
      while (!this.stopping) {
        const msg = await consumer.next({ expires: 1000 }).catch(() => null);
        if (msg) await this.take(msg, { nc, claims });
      }
      clearInterval(beat);
      await this.pool.close();
      await this.payloads.close();
      await nc.drain();
    })();
  }

  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  /** Finishes the hosts it has started; the batch's unclaimed hosts go back to the queue. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.finished;
  }

  private controllerOf(runId: string): AbortController {
    let c = this.cancelled.get(runId);
    if (!c) this.cancelled.set(runId, (c = new AbortController()));
    return c;
  }

  private heartbeat(nc: NatsConnection): void {
    const beat: Heartbeat = { name: this.name, zone: this.zone, at: Date.now(), running: this.running };
    nc.publish(HEARTBEATS, encode(beat));
  }

  private async take(msg: JsMsg, conn: { nc: NatsConnection; claims: KV }): Promise<void> {
    const batch = decode<Batch>(msg.data);
    // Said every second, so the batch is not given to another agent while its hosts run here.
    const working = setInterval(() => msg.working(), 1000);
    try {
      const signal = this.controllerOf(batch.runId).signal;
      const whole = await runBatch(batch, { ...conn, pool: this.pool, payloads: this.payloads, running: (d) => (this.running += d), name: this.name, forks: this.forks, signal, stopping: () => this.stopping });
      if (whole) msg.ack();
      else msg.nak();
    } catch (err) {
      this.options.onLog?.(`fleet agent ${this.name}: batch of run ${batch.runId}: ${(err as Error).message}`);
      msg.nak(1000);
    } finally {
      clearInterval(working);
    }
  }
}
