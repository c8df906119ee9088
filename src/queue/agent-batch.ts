import type { JetStreamClient } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { KV } from '@nats-io/kv';
import { toPlainError, type FleetError } from '../core/errors.js';
import type { RunEvent } from '../core/result.js';
import type { WorkerPool } from '../runner/controller/pool.js';
import type { HostTask } from '../runner/transport/task.js';
import { claimKey, runSubject } from './connection.js';
import type { GetRelay } from './got-files.js';
import type { PayloadCache } from './payloads.js';
import { publishEnd } from './results.js';
import { resolveQueuedTask } from './secrets.js';
import { encode, toWireEvent, type Batch, type QueuedTask, type WireEvent } from './wire.js';

export interface BatchContext {
  nc: NatsConnection;
  js: JetStreamClient;
  claims: KV;
  pool: WorkerPool;
  name: string;
  /** Hosts claimed at once: the agent's -f, so a host is claimed just before it can start. */
  forks: number;
  signal: AbortSignal;
  payloads: PayloadCache;
  gets: GetRelay;
  /** Hosts running here now go up and down by this much (for --status). */
  running: (delta: number) => void;
  /** SIGTERM: claim nothing more; what is unclaimed goes back to the queue. */
  stopping: () => boolean;
  /** Aborted a while after SIGTERM: results the server still has not taken are given up. */
  abandon: AbortSignal;
  log?: (line: string) => void;
}

type Publish = (e: WireEvent) => void;

/**
 * Runs one batch: `forks` hosts at a time, each claimed in KV (create-if-absent) before its first step, so a
 * batch delivered again (its agent died, or took too long) runs only the hosts nobody claimed. Returns
 * whether every host of the batch was dealt with (false: stopped early, the batch must be handed back).
 */
export async function runBatch(batch: Batch, ctx: BatchContext): Promise<boolean> {
  // Ends go to the results stream (acknowledged, retried); the batch is acknowledged once all are stored.
  const stored: Promise<void>[] = [];
  const maxPayload = ctx.nc.info?.max_payload ?? 1 << 20;
  const gets = batch.tasks.some((t) => t.steps.some((s) => s.kind === 'get'));
  const publish: Publish = (e) => {
    if (e.type !== 'end') return ctx.nc.publish(runSubject(batch.runId, 'ev'), encode(e));
    // A get's files are in the Object Store before the end that names them is.
    const shipped = gets ? ctx.gets.ship(batch.runId, e.host, stepsOf(e.host)).catch((err: Error) => (ctx.log?.(`${e.host}: ${err.message}`), [])) : Promise.resolve([]);
    stored.push(shipped.then((files) => publishEnd(ctx.js, batch.runId, files.length ? { ...e, files } : e, maxPayload, ctx.log, ctx.abandon)));
  };
  const stepsOf = (host: string) => batch.tasks.find((t) => t.host.host === host)?.steps ?? [];
  try {
    return await runChunks(batch, ctx, publish);
  } finally {
    await Promise.all(stored);
  }
}

async function runChunks(batch: Batch, ctx: BatchContext, publish: Publish): Promise<boolean> {
  for (let i = 0; i < batch.tasks.length; i += ctx.forks) {
    if (ctx.signal.aborted) return true;
    if (ctx.stopping()) return false;
    const claimed = await claim(batch, batch.tasks.slice(i, i + ctx.forks), ctx);
    const tasks: HostTask[] = [];
    for (const q of claimed) {
      try {
        const steps = await ctx.gets.localize(batch.runId, await ctx.payloads.localize(batch.runId, batch.payloads, q.steps));
        tasks.push(await resolveQueuedTask({ ...q, steps }));
      } catch (err) {
        const result = { host: q.host.host, ok: false, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 0 };
        publish({ type: 'end', host: q.host.host, agent: ctx.name, at: Date.now(), result: { ...result, error: toPlainError(err as FleetError) } });
      }
    }
    if (tasks.length === 0) continue;
    ctx.running(tasks.length);
    try {
      await runClaimed(batch, tasks, ctx, publish);
    } finally {
      ctx.running(-tasks.length);
    }
  }
  return true;
}

/** One round trip for the chunk, not one per host: the creates go out together. */
async function claim(batch: Batch, tasks: QueuedTask[], ctx: BatchContext): Promise<QueuedTask[]> {
  const mine = await Promise.all(
    tasks.map((t) =>
      ctx.claims.create(claimKey(batch.runId, t.host.host), ctx.name).then(
        () => t,
        // Claimed already: by this run's earlier delivery, another agent, or the submitter (cancel, deadline).
        () => undefined,
      ),
    ),
  );
  return mine.filter((t) => t !== undefined);
}

async function runClaimed(batch: Batch, tasks: HostTask[], ctx: BatchContext, publish: Publish): Promise<void> {
  const ended = new Set<string>();
  const onEvent = (e: RunEvent) => {
    if (e.type === 'end') ended.add(e.host);
    const wire = toWireEvent(e, ctx.name);
    if (wire) publish(wire);
  };
  const left = batch.deadlineAt === undefined ? undefined : Math.max(1, batch.deadlineAt - Date.now());
  const results = await ctx.pool.run(tasks, {
    signal: ctx.signal,
    retry: batch.retry,
    onEvent,
    ...(left !== undefined ? { deadlineMs: left } : {}),
    ...(batch.maxOutputBytes !== undefined ? { maxOutputBytes: batch.maxOutputBytes } : {}),
  });
  for (const r of results) if (!ended.has(r.host)) onEvent({ type: 'end', host: r.host, result: r, at: Date.now() });
  await ctx.nc.flush();
}
