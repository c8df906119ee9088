import { randomBytes } from 'node:crypto';
import { jetstream } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { ObjectStore } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { toPlainError, TransferError } from '../core/errors.js';
import type { HostResult } from '../core/result.js';
import type { PoolRunOptions } from '../runner/controller/run-options.js';
import type { HostTask } from '../runner/transport/task.js';
import { batchSubject, claimKey, ensureQueue, HEARTBEATS, openQueue, runSubject } from './connection.js';
import { isPrivateConnection, parseQueue, type QueueOptions } from './queue-url.js';
import { receiveGotFiles } from './got-files.js';
import { dropPayloads, payloadStore, storePayloads } from './payloads.js';
import { dropResults, watchRun } from './results.js';
import { RunTracker } from './run-tracker.js';
import { refuseLiteralSecrets, toQueuedTask, type HostRefs } from './secrets.js';
import { defaultBatchSize, encodeBatches } from './batches.js';
import { decode, type Batch, type Heartbeat, type WireEvent } from './wire.js';

/** What the Fleet tells the queue of each host beyond its task: where its secrets are, and its zone. */
export interface QueueHostInfo {
  refs: (name: string) => HostRefs | undefined;
  zoneOf: (name: string) => string;
  /** An explicit sudo password (--ask-pass with --sudo): a literal. */
  sudoPassword?: string;
}

/** How often the submitter looks for dead agents and unserved zones. */
const CHECK_MS = 250;
/** With no deadline, a zone no agent has served for this long since the run began fails its hosts. */
const NO_AGENT_GRACE_MS = 5_000;

/**
 * The submitter's pool: the same run(tasks, options) → HostResult[] as a WorkerPool, but the hosts run on
 * `fleet agent`s that take the run's batches from JetStream. Events come back as if the hosts ran here.
 */
export class QueuePool {
  private readonly queue: QueueOptions;

  constructor(queue: string | QueueOptions, private readonly info: QueueHostInfo) {
    this.queue = parseQueue(queue);
  }

  /** Worker pids: none here, the agents hold the workers. */
  readonly pids: number[] = [];

  async run(tasks: HostTask[], options: PoolRunOptions = {}): Promise<HostResult[]> {
    const queued = tasks.map((t) => toQueuedTask(t, this.info.refs, t.steps.some((s) => s.kind === 'exec' && s.sudo) ? this.info.sudoPassword : undefined));
    if (!isPrivateConnection(this.queue)) refuseLiteralSecrets(queued);
    const nc = await openQueue(this.queue);
    try {
      const zones = [...new Set(tasks.map((t) => this.info.zoneOf(t.host.host)))];
      const { jsm, claims } = await ensureQueue(nc, zones);
      const runId = randomBytes(8).toString('hex');
      const transfers = tasks.some((t) => t.steps.some((s) => s.kind === 'put' || s.kind === 'get'));
      const store = transfers ? await payloadStore(nc) : undefined;
      const payloads = store ? await storePayloads(store, runId, tasks.flatMap((t) => t.steps)) : undefined;
      try {
        return await this.submit(nc, claims, store, { runId, tasks: queued, retry: options.retry ?? 0, ...(payloads ? { payloads } : {}) }, options);
      } finally {
        if (store && payloads) await dropPayloads(store, payloads);
        await dropResults(jsm, runId);
      }
    } finally {
      await nc.close();
    }
  }

  /** `run`: the run's id, tasks and payloads, as every batch of it carries them (the tasks split up). */
  private async submit(nc: NatsConnection, claims: KV, store: ObjectStore | undefined, run: Batch, options: PoolRunOptions): Promise<HostResult[]> {
    const { runId, tasks } = run;
    const deadlineAt = options.deadlineMs === undefined ? undefined : Date.now() + options.deadlineMs;
    // Encoded first: a batch too big for the server fails the run before anything is published.
    const whole: Batch = { ...run, ...(deadlineAt !== undefined ? { deadlineAt } : {}), ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}) };
    const batches = encodeBatches(whole, this.queue.batchSize ?? defaultBatchSize(tasks.length), this.info.zoneOf, nc.info?.max_payload ?? 1 << 20);
    const names = tasks.map((t) => t.host.host);
    const tracker = new RunTracker(names.map((name) => ({ name, zone: this.info.zoneOf(name) })), options.onEvent);
    nc.subscribe(runSubject(runId, 'ev'), { callback: (_e, m) => tracker.event(decode<WireEvent>(m.data)) });
    nc.subscribe(HEARTBEATS, { callback: (_e, m) => tracker.heartbeat(decode<Heartbeat>(m.data)) });
    const steps = new Map(tasks.map((t) => [t.host.host, t.steps]));
    // A get's files land in the submitter's directory before its host is reported ended.
    const end = async (e: Extract<WireEvent, { type: 'end' }>) => {
      if (!e.files || !store) return tracker.event(e);
      try {
        await receiveGotFiles(store, e.host, steps.get(e.host) ?? [], e.files);
        tracker.event(e);
      } catch (err) {
        const error = toPlainError(new TransferError(`${e.host}: ${(err as Error).message}`, { host: e.host }));
        tracker.event({ ...e, result: { ...e.result, ok: false, error } });
      }
    };
    const watch = await watchRun(nc, claims, runId, { claim: (h, agent) => tracker.claim(h, agent), end: (e) => void end(e) });
    void (async () => {
      for await (const s of nc.status()) {
        if (s.type === 'disconnect') tracker.pause();
        if (s.type === 'reconnect') tracker.resume();
      }
    })();
    await nc.flush();
    // The submitter claims what it ends itself, so a batch taken later runs none of those hosts.
    const endUnstarted = async (host: string, why: Parameters<RunTracker['endUnstarted']>[1]) => {
      const mine = await claims.create(claimKey(runId, host), 'submitter').then(() => true, () => false);
      if (mine) tracker.endUnstarted(host, why);
    };
    const cancel = () => {
      nc.publish(runSubject(runId, 'cancel'));
      for (const h of tracker.pending()) void endUnstarted(h, 'cancelled');
    };
    if (options.signal?.aborted) cancel();
    options.signal?.addEventListener('abort', cancel, { once: true });
    const js = jetstream(nc);
    for (const b of batches) await js.publish(batchSubject(b.zone), b.data);
    const timer = setInterval(() => {
      tracker.checkAgents();
      const late = deadlineAt !== undefined && Date.now() > deadlineAt;
      for (const h of tracker.pending()) {
        const zone = tracker.zoneOf(h)!;
        if (late) void endUnstarted(h, 'deadline');
        else if (deadlineAt === undefined && tracker.age > NO_AGENT_GRACE_MS && !tracker.zoneServed(zone)) void endUnstarted(h, 'no-agent');
      }
    }, CHECK_MS);
    try {
      await tracker.done;
    } finally {
      clearInterval(timer);
      options.signal?.removeEventListener('abort', cancel);
      await watch.stop();
    }
    return tracker.resultsIn(names);
  }

  async close(): Promise<void> {}
}
