import type { FleetError } from '../../core/errors.js';
import { notStartedResult } from '../../core/not-started.js';
import type { HostResult } from '../../core/result.js';
import type { PoolWorker, WorkerExit } from '../transport/pool-worker.js';
import type { FromWorker, TaskEnd } from '../transport/protocol.js';
import type { HostTask } from '../transport/task.js';
import type { Affinity } from './affinity.js';
import { Dispatcher } from './dispatcher.js';
import { elapsedMs, hostEntry, unendedEnd, type HostEntry } from './host-entry.js';
import { relayOutput } from './output-relay.js';
import { crashEnd, rerunsAfterCrash, retriesAfterEnd } from './rerun-policy.js';
import { DEFAULT_MAX_OUTPUT_BYTES, type PoolRunOptions } from './run-options.js';
import { emitter, RunResults, type Emit } from './run-results.js';
import type { RunLoad } from './scale-out.js';
import { relabelStopped, STOP_GRACE_MS, unfinishedError } from './stop-policy.js';

/**
 * One run on the controller: routes the workers' messages to its hosts and applies the policies — retry,
 * crash re-runs, stop — between the dispatcher (where each host is) and the results (each host's end,
 * exactly once, whatever happens to workers, the deadline or a cancel).
 */
export class Run {
  private readonly dispatcher: Dispatcher;
  private readonly results: RunResults;
  private readonly emit: Emit;
  /** Where line events go; undefined when nobody reads them (no onEvent, or outputEvents false). */
  private readonly emitLines: Emit | undefined;
  private stopping: FleetError | undefined;
  /** Time spent relaying output, for the scale-out rule: that part of the CPU cannot move to workers. */
  private relayMs = 0;

  constructor(
    tasks: HostTask[],
    private readonly workers: () => readonly PoolWorker[],
    private readonly options: PoolRunOptions,
    affinity: Affinity,
    maxRunning?: number,
  ) {
    const cap = options.maxOutputBytes ?? DEFAULT_MAX_OUTPUT_BYTES;
    const entries = tasks.map((task) => hostEntry(task, cap));
    this.emit = emitter(options.onEvent);
    this.emitLines = options.outputEvents === false || !options.onEvent ? undefined : this.emit;
    this.dispatcher = new Dispatcher(entries, affinity, maxRunning);
    this.results = new RunResults(entries, this.emit);
  }

  get done(): Promise<void> {
    return this.results.done;
  }

  get hostResults(): HostResult[] {
    return this.results.all;
  }

  /** How far the run is, for the scale-out rule (scale-out.ts). */
  load(): RunLoad {
    return { started: this.dispatcher.started, waiting: this.stopping ? 0 : this.dispatcher.waitingCount, relayMs: this.relayMs };
  }

  /** Hands queued hosts to workers with free slots; nothing new starts once the run is stopping. */
  dispatch(): void {
    if (!this.stopping) this.dispatcher.dispatch(this.workers());
  }

  onMessage(worker: PoolWorker, message: FromWorker): void {
    if (message.type === 'warning') return this.options.onWarning?.(message.message);
    const entry = this.dispatcher.entry(message.id);
    switch (message.type) {
      case 'start':
        if (entry) this.results.announce(entry);
        return;
      case 'step':
        if (entry) entry.stepped = true;
        return;
      case 'output': {
        const at = performance.now();
        relayOutput(entry, message.stream, message.data, this.emitLines, () => worker.send({ type: 'credit', bytes: message.data.length }));
        this.relayMs += performance.now() - at;
        return;
      }
      case 'progress':
        if (entry && !entry.result) void this.emit({ type: 'progress', host: entry.builder.host, bytes: message.bytes, at: Date.now() });
        return;
      case 'end':
        this.dispatcher.ended(message.id);
        if (entry && !entry.result) this.onEnd(entry, message.end);
        this.dispatch();
        return;
    }
  }

  private onEnd(entry: HostEntry, end: TaskEnd): void {
    if (retriesAfterEnd(entry, end, this.options.retry ?? 0, this.stopping !== undefined)) {
      entry.builder.reset();
      this.dispatcher.requeueLast(entry);
      return;
    }
    this.results.finish(entry, entry.builder.build(relabelStopped(entry, end, this.stopping)));
  }

  /** A worker died: the hosts it was running run again elsewhere or are reported (rerun-policy.ts). */
  onWorkerExit(exit: WorkerExit): void {
    for (const id of exit.lost) {
      const entry = this.dispatcher.ended(id);
      if (!entry || entry.result) continue;
      if (rerunsAfterCrash(entry, this.stopping !== undefined)) {
        entry.builder.reset();
        this.dispatcher.requeueFirst(entry);
      } else {
        this.results.finish(entry, entry.builder.build(crashEnd(entry, exit)));
      }
    }
  }

  /** Cancel or deadline: nothing new starts, running hosts are cancelled and get a short grace to clean up. */
  stop(reason: FleetError): void {
    if (this.stopping || this.results.complete) return;
    this.stopping = reason;
    for (const entry of this.dispatcher.takeWaiting()) {
      this.results.finish(entry, notStartedResult(entry.builder.host, unfinishedError(entry, reason), elapsedMs(entry)));
    }
    this.dispatcher.cancelRunning();
    setTimeout(() => {
      for (const entry of this.results.unfinished) {
        this.results.finish(entry, entry.builder.build(unendedEnd(entry, unfinishedError(entry, reason), false)));
      }
    }, STOP_GRACE_MS).unref();
  }
}
