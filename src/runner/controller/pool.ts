import { availableParallelism } from 'node:os';
import type { HostResult } from '../../core/result.js';
import type { HeldSessionInfo, WorkerStart } from '../transport/protocol.js';
import type { HostTask } from '../transport/task.js';
import { InlineWorker, type WorkerSideFactory } from '../transport/inline-worker.js';
import type { OnWorkerMessage, PoolWorker, WorkerExit } from '../transport/pool-worker.js';
import { WorkerHandle } from '../transport/fork-worker.js';
import { fdsPerHost, fitToOpenFiles, heldSessionsWithin } from './fd-budget.js';
import { Affinity } from './affinity.js';
import { Run } from './run.js';
import type { PoolRunOptions, RunPool } from './run-options.js';
import { SessionQueries } from './session-queries.js';
import { extraWorkers, SCALE_OUT, watchCpu, type ScaleOutRule } from './scale-out.js';
import { watchStops } from './stop-policy.js';

export const DEFAULT_FORKS = 64;

export interface PoolOptions {
  /** Max live SSH sessions across all workers (DESIGN.md §5 `forks`). */
  forks?: number;
  /**
   * Forked worker processes; default min(cores, ceil(hosts/8)). 0 runs hosts inside the controller, which is
   * also what a default of 1 means: one forked worker buys no parallelism, only a process start.
   */
  workers?: number;
  /** Bytes of output a worker may have in flight before its hosts are slowed down. */
  creditWindow?: number;
  /** Files the caller keeps open per running host (the CLI's --out-dir: 2), for the open-files budget. */
  callerFilesPerHost?: number;
  /** Keep each host's session after its task, for the Fleet's next call (default true). */
  keepSessions?: boolean;
  /** Sessions held across all workers at most; default what the open-files limit leaves (fd-budget.ts). */
  maxHeldSessions?: number;
  /** Close a held session idle this long (ms); default: held until close(). */
  sessionIdleMs?: number;
  /** The command of a held connection that starts its session guard (ssh/session-guard.ts); default 8. */
  guardFrom?: number;
  /** When a run inside the controller forks workers for its waiting hosts (scale-out.ts); false: never. */
  scaleOut?: ScaleOutRule | false;
}

/**
 * Hosts per worker at a run's start. Transfers (DESIGN.md §5: ceil(hosts/8)) spend client CPU on encryption
 * per byte, which workers spread over cores on a real fleet. Commands are handshake-bound — a few ms of client
 * CPU per host — so they start inside the controller at any count, and fork workers only once the
 * controller's CPU is seen to limit the run (scale-out.ts): a count cannot say whether it will.
 */
const HOSTS_PER_WORKER = { transfer: 8, exec: Number.POSITIVE_INFINITY } as const;

export type RunKind = keyof typeof HOSTS_PER_WORKER;

/** min(cores, ceil(hosts/per-worker)), at least 1, and never more workers than sessions. */
export function defaultWorkerCount(hosts: number, forks: number, kind: RunKind = 'transfer'): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(hosts / HOSTS_PER_WORKER[kind]), forks));
}

/** Splits the global session limit among workers: 8 over 3 → 3, 3, 2. */
export function splitSlots(forks: number, workers: number): number[] {
  return Array.from({ length: workers }, (_, i) => Math.floor(forks / workers) + (i < forks % workers ? 1 : 0));
}

/**
 * What an inline worker runs: the same task runner a forked worker's main.ts builds. Loaded with the first
 * inline worker, since it brings ssh2 (~30 ms of start-up): a CLI whose hosts run elsewhere — in the
 * --persist broker, on agents, in forked workers — never loads it.
 */
let inlineSide: Promise<WorkerSideFactory> | undefined;
const loadInlineSide = (): Promise<WorkerSideFactory> =>
  (inlineSide ??= import('../worker/task-runner.js').then(({ TaskRunner }) => (start, send) => new TaskRunner(start, send)));

/**
 * The controller's pool of forked workers. Workers are forked on first use — how many depends on that first
 * run's kind and size — and kept until `close()`, so a deploy script's successive calls pay the fork cost
 * once. One run at a time.
 */
export class WorkerPool implements RunPool {
  private workers: PoolWorker[] = [];
  private current: Run | undefined;
  private closed = false;
  /** Lowered by the first run when the open-files limit cannot hold that many hosts at once. */
  private forks: number;
  private readonly creditWindow: number;
  /** Decided by the first run (its kind and size) unless given: later runs reuse the same workers. */
  private inline = false;
  /** Workers were forked beside the inline one (once per pool). */
  private scaled = false;
  /** Descriptors a running host needs (set by the first run), for the held-session bound. */
  private fdsPerHost = 2;
  /** Survives runs: each host's tasks go back to the worker holding its session. */
  private readonly affinity = new Affinity();
  private readonly queries = new SessionQueries();

  constructor(
    private readonly hostCount: number,
    private readonly options: PoolOptions = {},
  ) {
    this.forks = Math.max(1, options.forks ?? DEFAULT_FORKS);
    this.creditWindow = options.creditWindow ?? 1 << 20;
  }

  /** How many workers the first run gets, and whether the one there is runs inside this process. */
  private layout(kind: RunKind): { count: number; inline: boolean } {
    const count = this.options.workers ?? defaultWorkerCount(this.hostCount, this.forks, kind);
    // One worker buys no parallelism, only a process start: it runs inside the controller unless asked for.
    return { count, inline: count === 0 || (this.options.workers === undefined && count === 1) };
  }

  /** Forks the workers (or sets up the inline one) for the first run; returns a warning if forks was lowered. */
  private start(layout: { count: number; inline: boolean }, tasks: HostTask[], side: WorkerSideFactory | undefined): string | undefined {
    const { count, inline } = layout;
    this.inline = inline;
    // Only as many hosts as there are can run at once: -f 300 for 10 hosts asks for 10.
    const wanted = Math.min(this.forks, Math.max(1, this.hostCount));
    const fit = fitToOpenFiles(wanted, this.inline ? 0 : Math.max(1, Math.min(count, wanted)), tasks, this.options.callerFilesPerHost ?? 0);
    if (fit.warning) this.forks = fit.forks;
    const workers = Math.max(1, Math.min(count, this.forks));
    this.fdsPerHost = fdsPerHost(tasks);
    this.workers = splitSlots(this.forks, workers).map((s) => this.spawn(s, side));
    return fit.warning;
  }

  /** A worker's share of the held-session bound: 0 (close each when its task ends) when sessions are not kept. */
  private heldFor(slots: number): number {
    if (this.options.keepSessions === false) return 0;
    const given = this.options.maxHeldSessions;
    if (given !== undefined) return Math.max(1, Math.ceil((given * slots) / Math.max(1, this.forks)));
    return heldSessionsWithin(slots, this.fdsPerHost, this.inline ? (this.options.callerFilesPerHost ?? 0) : 0);
  }

  /** Worker pids, for tests and diagnostics. */
  get pids(): number[] {
    return this.workers.filter((w) => !w.exited).map((w) => w.pid!);
  }

  private spawn(slots: number, side?: WorkerSideFactory): PoolWorker {
    const start: WorkerStart = {
      slots,
      creditWindow: this.creditWindow,
      maxHeldSessions: this.heldFor(slots),
      sessionIdleMs: this.options.sessionIdleMs ?? 0,
      guardFrom: this.options.guardFrom ?? 0,
    };
    const onMessage: OnWorkerMessage = (w, m) => {
      if (m.type === 'sessions') return this.queries.answered(m.id, m.sessions);
      if (this.current) return this.current.onMessage(w, m);
      // Output of a host its run gave up on (the stop's grace ran out while it still printed) arrives after
      // the run: its bytes are still the worker's credit, which the worker's later runs need (a `| head` that
      // cut a chatty run short left every later run of a --persist broker paused on its first output).
      if (m.type === 'output') w.send({ type: 'credit', bytes: m.data.length });
    };
    if (this.inline && side) return new InlineWorker(start, side, onMessage);
    return new WorkerHandle(start, onMessage, (w, exit) => this.onExit(w, exit));
  }

  private onExit(worker: PoolWorker, exit: WorkerExit): void {
    this.workers = this.workers.filter((w) => w !== worker);
    this.current?.onWorkerExit(exit);
    // A fresh worker takes the dead one's slots, so the run keeps its concurrency.
    if (!this.closed) {
      this.workers.push(this.spawn(worker.slots));
      this.current?.dispatch();
    }
  }

  async run(tasks: HostTask[], options: PoolRunOptions = {}): Promise<HostResult[]> {
    const kind: RunKind = tasks.some((t) => t.steps.some((s) => s.kind === 'put' || s.kind === 'get')) ? 'transfer' : 'exec';
    const layout = this.workers.length === 0 ? this.layout(kind) : undefined;
    // Awaited before the checks, so that they and the start below stay in one turn, as without it.
    const side = layout?.inline ? await loadInlineSide() : undefined;
    if (this.closed) throw new Error('the worker pool is closed');
    if (this.current) throw new Error('one run at a time per Fleet: await the previous call first');
    if (this.workers.length === 0) {
      const warning = this.start(layout ?? this.layout(kind), tasks, side);
      if (warning) options.onWarning?.(warning);
    }

    const run = new Run(tasks, () => this.workers, options, this.affinity, this.forks);
    this.current = run;
    const unwatch = watchStops(options, (reason) => run.stop(reason));
    const unscale = this.watchScale(run);
    try {
      run.dispatch();
      await run.done;
      return run.hostResults;
    } finally {
      unscale();
      unwatch();
      this.current = undefined;
    }
  }

  /** While the controller runs the hosts itself, watches whether its one core limits the run. */
  private watchScale(run: Run): () => void {
    const rule = this.options.scaleOut ?? SCALE_OUT;
    const extra = extraWorkers(this.forks);
    if (!this.inline || this.scaled || rule === false || this.options.workers !== undefined || extra === 0) return () => undefined;
    return watchCpu(() => run.load(), () => this.scaleOut(run, extra), rule);
  }

  /** Forks `extra` workers and gives them their share of `forks`; held sessions stay where they are. */
  private scaleOut(run: Run, extra: number): void {
    if (this.closed || this.current !== run) return;
    this.scaled = true;
    const [own, ...shares] = splitSlots(this.forks, 1 + extra);
    this.workers[0]?.resize(own!);
    for (const slots of shares) this.workers.push(this.spawn(slots));
    run.dispatch();
  }

  /** The sessions the workers hold now, as they answer (none before the first run). */
  sessions(): Promise<HeldSessionInfo[]> {
    return this.queries.ask(this.workers);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.stop()));
    this.workers = [];
  }
}
