import { hostname } from 'node:os';
import { jetstream, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { checkZone, DEFAULT_ZONE } from './zone.js';
import { splitSlots, WorkerPool } from '../runner/controller/pool.js';
import type { ObjectStore } from '@nats-io/obj';
import { runBatch } from './agent-batch.js';
import { GetRelay } from './got-files.js';
import { PayloadCache, payloadStore } from './payloads.js';
import { consumerOf, ensureQueue, HEARTBEAT_MS, HEARTBEATS, openQueue, STREAM } from './connection.js';
import { parseQueue, type QueueOptions } from './queue-url.js';
import { decode, encode, type Batch, type Heartbeat } from './wire.js';

/** How long after SIGTERM an agent keeps trying to store results the server does not take. */
const ABANDON_AFTER_STOP_MS = 10_000;

export interface AgentOptions {
  queue: string | QueueOptions;
  name?: string;
  zone?: string;
  forks?: number;
  workers?: number;
  onLog?: (line: string) => void;
}

/**
 * Batches an agent runs at once, each in a lane of its own (a WorkerPool runs one run at a time): with one
 * lane, a batch smaller than -f, or the slowest host of a chunk, would leave slots idle.
 */
const MAX_LANES = 4;

interface Lane {
  pool: WorkerPool;
  forks: number;
}

/**
 * `fleet agent`: a long-lived controller holding sessions (WorkerPools with keepSessions) that takes its
 * zone's batches, up to MAX_LANES at once, and publishes each host's events and result on the run's subject.
 */
export class Agent {
  readonly name: string;
  readonly zone: string;
  private readonly lanes: Lane[];
  private stopping = false;
  private readonly abandon = new AbortController();
  private running = 0;
  /**
   * The runs with a batch in hand here, each with how many, and the signal its submitter's cancel fires.
   * Only those: a cancelled run's batches still queued find their hosts claimed by the submitter.
   */
  private readonly runs = new Map<string, { batches: number; abort: AbortController }>();
  /** The last cancels heard, so a batch taken just after its cancel (before the submitter claimed its hosts) does nothing. */
  private readonly cancelled = new Set<string>();
  private done: Promise<void> | undefined;
  private payloads!: PayloadCache;
  private gets!: GetRelay;
  private store: Promise<ObjectStore> | undefined;

  constructor(private readonly options: AgentOptions) {
    this.name = options.name ?? `${hostname()}-${process.pid}`;
    this.zone = checkZone(options.zone ?? DEFAULT_ZONE);
    const forks = Math.max(1, options.forks ?? 64);
    const count = Math.min(MAX_LANES, forks);
    this.lanes = splitSlots(forks, count).map((f) => {
      const workers = options.workers === undefined ? {} : { workers: Math.ceil(options.workers / count) };
      return { forks: f, pool: new WorkerPool(f, { forks: f, keepSessions: true, ...workers }) };
    });
  }

  /** Connects and starts pulling; resolves once ready, `finished` when stopped. */
  async start(): Promise<void> {
    const nc = await openQueue(parseQueue(this.options.queue));
    const { claims } = await ensureQueue(nc, [this.zone]);
    const beat = setInterval(() => this.heartbeat(nc), HEARTBEAT_MS);
    this.heartbeat(nc);
    nc.subscribe('fleet.run.*.cancel', { callback: (_e, m) => this.cancel(m.subject.split('.')[2]!) });
    this.payloads = new PayloadCache(
      () => (this.store ??= payloadStore(nc)),
      (p, bytes) => this.options.onLog?.(`fleet agent ${this.name}: fetched payload ${p.name} (${bytes} bytes)`),
    );
    this.gets = new GetRelay(() => (this.store ??= payloadStore(nc)));
    const js = jetstream(nc);
    const consumer = await js.consumers.get(STREAM, consumerOf(this.zone));
    this.options.onLog?.(`fleet agent ${this.name}: zone ${this.zone}, taking batches`);
    const pull = async (lane: Lane) => {
      while (!this.stopping) {
        // A failed pull (the server restarting) is tried again a little later, not in a tight loop.
        const msg = await consumer.next({ expires: 1000 }).catch(() => new Promise<null>((r) => setTimeout(() => r(null), 1000)));
        if (msg) await this.take(msg, lane, { nc, js, claims });
      }
      await lane.pool.close();
    };
    this.done = (async () => {
      await Promise.all(this.lanes.map(pull));
      clearInterval(beat);
      await this.payloads.close();
      await this.gets.close();
      // drain() waits for a server that may be gone; past the grace, close() lets go of it.
      const drained = nc.drain().catch(() => undefined);
      const gaveUp = new Promise<void>((r) => {
        const later = () => setTimeout(r, 1000).unref();
        if (this.abandon.signal.aborted) later();
        else this.abandon.signal.addEventListener('abort', later, { once: true });
      });
      await Promise.race([drained, gaveUp]);
      if (!nc.isClosed()) await nc.close().catch(() => undefined);
    })();
  }

  get finished(): Promise<void> {
    return this.done ?? Promise.resolve();
  }

  /** Finishes the hosts it has started; the batch's unclaimed hosts go back to the queue. */
  stop(): Promise<void> {
    this.stopping = true;
    // The hosts it runs may take as long as they take; a result the server will not take is given up this
    // long after the stop (the submitter reports its host WORKER_CRASH), so SIGTERM ends an agent whose
    // server is gone instead of leaving it to retry forever.
    setTimeout(() => this.abandon.abort(), ABANDON_AFTER_STOP_MS).unref();
    return this.finished;
  }

  private cancel(runId: string): void {
    this.cancelled.add(runId);
    if (this.cancelled.size > 1000) this.cancelled.delete(this.cancelled.values().next().value!);
    this.runs.get(runId)?.abort.abort();
  }

  /** The run's cancel signal for one more batch; `release` when the batch is done. */
  private enter(runId: string): { signal: AbortSignal; release: () => void } {
    const run = this.runs.get(runId) ?? { batches: 0, abort: new AbortController() };
    if (this.cancelled.has(runId)) run.abort.abort();
    run.batches++;
    this.runs.set(runId, run);
    const release = () => {
      if (--run.batches === 0) this.runs.delete(runId);
    };
    return { signal: run.abort.signal, release };
  }

  private heartbeat(nc: NatsConnection): void {
    const beat: Heartbeat = { name: this.name, zone: this.zone, at: Date.now(), running: this.running };
    nc.publish(HEARTBEATS, encode(beat));
  }

  private async take(msg: JsMsg, lane: Lane, conn: { nc: NatsConnection; js: JetStreamClient; claims: KV }): Promise<void> {
    const batch = decode<Batch>(msg.data);
    // Said every second, so the batch is not given to another agent while its hosts run here.
    const working = setInterval(() => msg.working(), 1000);
    const { signal, release } = this.enter(batch.runId);
    try {
      const whole = await runBatch(batch, {
        ...conn,
        pool: lane.pool,
        payloads: this.payloads,
        gets: this.gets,
        running: (d) => (this.running += d),
        name: this.name,
        forks: lane.forks,
        signal,
        stopping: () => this.stopping,
        abandon: this.abandon.signal,
        log: (line) => this.options.onLog?.(`fleet agent ${this.name}: ${line}`),
      });
      if (whole) msg.ack();
      else msg.nak();
    } catch (err) {
      this.options.onLog?.(`fleet agent ${this.name}: batch of run ${batch.runId}: ${(err as Error).message}`);
      msg.nak(1000);
    } finally {
      clearInterval(working);
      release();
    }
  }
}
