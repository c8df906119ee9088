import { AbortError, TimeoutError, WorkerCrashError, toPlainError, type FleetError } from '../../core/errors.js';
import type { HostResult, RunEvent } from '../../core/result.js';
import type { FromWorker, TaskEnd } from '../transport/protocol.js';
import { splitLines } from './output-lines.js';
import { ResultBuilder } from './result-builder.js';
import type { HostTask } from '../transport/task.js';
import type { PoolWorker } from '../transport/pool-worker.js';

export interface RunOptions {
  signal?: AbortSignal;
  /** The whole run ends by then: unfinished hosts are reported as TimeoutError. */
  deadlineMs?: number;
  /** Output kept per host and stream in the result; everything is still streamed as events. */
  maxOutputBytes?: number;
  /** Hosts whose connection failed are tried again this many times. */
  retry?: number;
  onEvent?: (event: RunEvent) => void | Promise<void>;
  onWarning?: (message: string) => void;
}

/** How long cancelled hosts get to end their remote commands and remove temp files before we stop waiting. */
export const STOP_GRACE_MS = 2_500;
export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** Unique across runs of a process, so a late message from an earlier run can never match a new task. */
let nextTaskId = 1;

interface Entry {
  index: number;
  task: HostTask;
  builder: ResultBuilder;
  attempts: number;
  /** A step began: a crash must not re-run this host (its command may have had effects). */
  stepped: boolean;
  announced: boolean;
  /** When its latest attempt was handed to a worker: a crash report gives the time the host really ran. */
  dispatchedAt?: number;
  worker?: PoolWorker;
  result?: HostResult;
}

/** How long a host has been in a worker's hands (0 if it never was). */
function elapsedMs(entry: Entry): number {
  return entry.dispatchedAt === undefined ? 0 : Math.round(performance.now() - entry.dispatchedAt);
}

/**
 * One run's state on the controller: the queue of host tasks, which worker runs which, and every host's
 * result. Pull-based: a worker gets a task whenever one of its slots is free. Every host ends in `results`
 * exactly once, whatever happens to workers, the deadline or a cancel.
 */
export class Run {
  private readonly entries: Entry[];
  private readonly queue: Entry[];
  private readonly byId = new Map<number, Entry>();
  private remaining: number;
  private stopping: FleetError | undefined;
  private finishRun!: () => void;
  readonly done: Promise<void>;

  constructor(
    tasks: HostTask[],
    private readonly workers: () => PoolWorker[],
    private readonly options: RunOptions,
  ) {
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    this.entries = tasks.map((task, index) => ({
      index,
      task,
      builder: new ResultBuilder(task.host.host, cap),
      attempts: 0,
      stepped: false,
      announced: false,
    }));
    this.queue = [...this.entries];
    this.remaining = this.entries.length;
    this.done = new Promise((resolve) => (this.finishRun = resolve));
    if (this.remaining === 0) this.finishRun();
  }

  get results(): HostResult[] {
    return this.entries.map((e) => e.result!);
  }

  /** Hands queued tasks to workers with free slots. */
  dispatch(): void {
    if (this.stopping) return;
    for (const worker of this.workers()) {
      while (worker.free > 0 && this.queue.length > 0) {
        const entry = this.queue.shift()!;
        const id = nextTaskId++;
        entry.attempts++;
        entry.worker = worker;
        entry.dispatchedAt = performance.now();
        this.byId.set(id, entry);
        worker.inflight.add(id);
        worker.send({ type: 'task', id, task: entry.task });
      }
    }
  }

  onMessage(worker: PoolWorker, message: FromWorker): void {
    if (message.type === 'ready') return;
    if (message.type === 'warning') return this.options.onWarning?.(message.message);
    const entry = this.byId.get(message.id);
    switch (message.type) {
      case 'start':
        if (entry && !entry.announced) {
          entry.announced = true;
          void this.emit({ type: 'start', host: entry.builder.host, at: Date.now() });
        }
        return;
      case 'step':
        if (entry) entry.stepped = true;
        return;
      case 'output':
        return this.onOutput(worker, entry, message.stream, message.data);
      case 'progress':
        if (entry && !entry.result) void this.emit({ type: 'progress', host: entry.builder.host, bytes: message.bytes, at: Date.now() });
        return;
      case 'end':
        worker.inflight.delete(message.id);
        this.byId.delete(message.id);
        if (entry && !entry.result) this.onEnd(entry, message.end);
        this.dispatch();
        return;
    }
  }

  private onOutput(worker: PoolWorker, entry: Entry | undefined, stream: 'stdout' | 'stderr', data: Buffer): void {
    const bytes = data.length;
    if (!entry || entry.result) return worker.send({ type: 'credit', bytes });
    const text = entry.builder.append(stream, data);
    const host = entry.builder.host;
    const pending: Promise<void>[] = [];
    for (const { line, bytes: raw } of splitLines(text, data)) {
      const p = this.emit({ type: 'output', host, stream, line, bytes: raw, at: Date.now() });
      if (p) pending.push(p);
    }
    // Credit goes back only once the consumer has taken the output: a slow terminal slows the hosts down.
    if (pending.length === 0) worker.send({ type: 'credit', bytes });
    else void Promise.allSettled(pending).then(() => worker.send({ type: 'credit', bytes }));
  }

  private onEnd(entry: Entry, end: TaskEnd): void {
    const retryable = end.error?.code === 'CONNECT' && !end.started && !this.stopping;
    if (retryable && entry.attempts <= (this.options.retry ?? 0)) {
      entry.builder.reset();
      this.queue.push(entry);
      return;
    }
    if (this.stopping && end.error?.code === 'ABORT') end = { ...end, error: toPlainError(this.relabel(entry)) };
    this.finish(entry, entry.builder.build(end));
  }

  /** A worker died: its unstarted hosts go back in the queue once; hosts it was running are reported. */
  onWorkerExit(worker: PoolWorker, code: number | null, signal: NodeJS.Signals | null): void {
    for (const id of worker.inflight) {
      const entry = this.byId.get(id);
      this.byId.delete(id);
      if (!entry || entry.result) continue;
      if (!entry.stepped && entry.attempts < 2 && !this.stopping) {
        entry.builder.reset();
        this.queue.unshift(entry);
        continue;
      }
      const host = entry.builder.host;
      const how = signal ? `killed by ${signal}` : `exited with code ${code}`;
      this.finish(
        entry,
        entry.builder.build({
          ok: false,
          exitCode: null,
          signal: null,
          durationMs: elapsedMs(entry),
          started: entry.stepped,
          error: toPlainError(
            new WorkerCrashError(
              `${host}: the worker process running this host was ${how}; its command may or may not have finished — check the host before re-running`,
              { host },
            ),
          ),
        }),
      );
    }
    worker.inflight.clear();
  }

  /** Cancel or deadline: nothing new starts, running hosts are cancelled and get a short grace to clean up. */
  stop(reason: FleetError): void {
    if (this.stopping || this.remaining === 0) return;
    this.stopping = reason;
    for (const entry of this.queue.splice(0)) this.finish(entry, this.notStarted(entry, reason));
    for (const [id, entry] of this.byId) entry.worker?.send({ type: 'cancel', id });
    setTimeout(() => {
      for (const entry of this.entries) if (!entry.result) this.finish(entry, this.notStarted(entry, reason));
    }, STOP_GRACE_MS).unref();
  }

  private relabel(entry: Entry): FleetError {
    const host = entry.builder.host;
    const reason = this.stopping!;
    // A host the deadline caught while connecting was never reached (unreachable, as a connect timeout is);
    // one that had begun its steps, or never left the queue, failed by running out of time.
    const connecting = entry.dispatchedAt !== undefined && !entry.stepped;
    return reason.code === 'TIMEOUT'
      ? new TimeoutError(`${host}: ${reason.message}`, { host, ...reason.details, phase: connecting ? 'connect' : 'run' })
      : new AbortError(`${host}: ${reason.message}`, { host });
  }

  private notStarted(entry: Entry, reason: FleetError): HostResult {
    return entry.builder.build({
      ok: false,
      exitCode: null,
      signal: null,
      durationMs: elapsedMs(entry),
      started: false,
      error: toPlainError(reason.code === 'TIMEOUT' || entry.announced ? this.relabel(entry) : new AbortError(`${entry.builder.host}: not started: ${reason.message}`, { host: entry.builder.host })),
    });
  }

  private finish(entry: Entry, result: HostResult): void {
    if (entry.result) return;
    entry.result = result;
    if (!entry.announced) {
      entry.announced = true;
      void this.emit({ type: 'start', host: result.host, at: Date.now() });
    }
    void this.emit({ type: 'end', host: result.host, result, at: Date.now() });
    if (--this.remaining === 0) this.finishRun();
  }

  private emit(event: RunEvent): Promise<void> | undefined {
    const r = this.options.onEvent?.(event);
    return r instanceof Promise ? r : undefined;
  }
}
