import { resolve } from 'node:path';
import { AbortError, ConfigError } from './errors.js';
import {
  adhocInventory,
  loadInventory,
  parseDuration,
  resolveInventoryPath,
  selectHosts,
  type HostConfig,
  type HostKeyPolicy,
  type Inventory,
} from './inventory/index.js';
import type { HostResult, RunEvent } from './output/model.js';
import { RunReport } from './output/report.js';
import { batchSize, maxFailPercent, splitBatches } from './runner/batches.js';
import { WorkerPool } from './runner/pool.js';
import type { RunOptions } from './runner/run.js';
import { buildTargets, type TargetOverrides } from './runner/targets.js';
import type { HostTarget, Step } from './runner/task.js';
import { EventQueue } from './event-queue.js';

type Duration = string | number;

export interface FleetOptions {
  /** Selection pattern (Ansible-compatible): `web:&prod:!web03`. Default all. */
  limit?: string;
  /** Max concurrent hosts (live SSH sessions) across all workers. Default 64. */
  forks?: number;
  /** Forked worker processes. Default min(cores, ceil(hosts/8)). */
  workers?: number;
  /** Per command or transfer, per host: `30s`, `2m`, or ms as a number; 0 for none. Default 30s. */
  timeout?: Duration;
  connectTimeout?: Duration;
  user?: string;
  identityFile?: string | string[];
  password?: string;
  /** For sudo; defaults to each host's login password. */
  sudoPassword?: string;
  hostKeyPolicy?: HostKeyPolicy;
  /** Hosts whose connection failed are tried again this many times. */
  retry?: number;
  /** Output kept per host and stream in results. Default 1 MiB. */
  maxOutputBytes?: number;
  onWarning?: (message: string) => void;
}

export interface CallOptions {
  timeout?: Duration;
  /** The whole call ends by then; unfinished hosts are reported as timed out. */
  deadline?: Duration;
  signal?: AbortSignal;
  /** Rolling batches (Ansible `serial`): `5` hosts or `25%` at a time. */
  batch?: number | string;
  /** With batch: stop starting batches once more than this share of hosts failed (`10%`). */
  maxFail?: number | string;
  retry?: number;
  onEvent?: (event: RunEvent) => void | Promise<void>;
}

export interface ExecCallOptions extends CallOptions {
  sudo?: boolean | { user?: string };
  stdin?: string;
  env?: Record<string, string>;
  cwd?: string;
}

/** `window`: SFTP bytes in flight per file, fixed; by default it adapts, 512 KiB up to 4 MiB (see TransferOptions). */
export interface PutCallOptions extends CallOptions {
  recursive?: boolean;
  mode?: number;
  atomic?: boolean;
  skipUnchanged?: boolean;
  window?: number;
}

export interface GetCallOptions extends CallOptions {
  recursive?: boolean;
  window?: number;
}

const DEFAULT_TIMEOUT = '30s';

function ms(value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : parseDuration(value);
  return n > 0 ? n : undefined;
}

/**
 * The programmatic API (DESIGN.md §7). A failing host never rejects exec/put/get: it is a result. Only
 * whole-run faults throw: a bad inventory, a selection of nothing, a call on a closed Fleet.
 */
export class Fleet {
  readonly hosts: readonly string[];
  private readonly pool: WorkerPool;
  private targets: Promise<HostTarget[]> | undefined;

  private constructor(
    private readonly inventory: Inventory,
    private readonly selected: HostConfig[],
    private readonly options: FleetOptions,
  ) {
    this.hosts = selected.map((h) => h.name);
    this.pool = new WorkerPool(selected.length, {
      ...(options.forks !== undefined ? { forks: options.forks } : {}),
      ...(options.workers !== undefined ? { workers: options.workers } : {}),
    });
  }

  /** Loads an inventory file (default: $FLEET_INVENTORY, ./inventory.yaml, ./fleet.yaml) and selects hosts. */
  static async fromInventory(path?: string, options: FleetOptions = {}): Promise<Fleet> {
    const inventory = await loadInventory(resolve(resolveInventoryPath(path)));
    return new Fleet(inventory, selectHosts(inventory, options.limit ?? 'all'), options);
  }

  /** Hosts given directly: `['root@10.0.0.[1-5]:2222', 'web01']`, no file needed. */
  static fromHosts(hosts: string | readonly string[], options: FleetOptions = {}): Fleet {
    const spec = typeof hosts === 'string' ? hosts : hosts.join(',');
    const inventory = adhocInventory(spec, options.user !== undefined ? { user: options.user } : {});
    if (inventory.hosts.length === 0) throw new ConfigError('no hosts given');
    return new Fleet(inventory, selectHosts(inventory, options.limit ?? 'all'), options);
  }

  exec(command: string, options: ExecCallOptions = {}): Promise<RunReport> {
    const sudo = options.sudo === true ? {} : options.sudo || undefined;
    const step: Step = {
      kind: 'exec',
      command,
      ...this.timeoutOf(options),
      ...(sudo ? { sudo } : {}),
      ...(options.stdin !== undefined ? { stdin: options.stdin } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    };
    return this.run([step], options, sudo !== undefined);
  }

  put(local: string | readonly string[], remote: string, options: PutCallOptions = {}): Promise<RunReport> {
    const step: Step = {
      kind: 'put',
      local: (typeof local === 'string' ? [local] : [...local]).map((p) => resolve(p)),
      remote,
      ...this.timeoutOf(options),
      ...(options.recursive !== undefined ? { recursive: options.recursive } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      ...(options.atomic !== undefined ? { atomic: options.atomic } : {}),
      ...(options.skipUnchanged !== undefined ? { skipUnchanged: options.skipUnchanged } : {}),
      ...(options.window !== undefined ? { window: options.window } : {}),
    };
    return this.run([step], options, false);
  }

  /** Fetches into `<localDir>/<host>/<basename>` for every host. */
  get(remote: string | readonly string[], localDir: string, options: GetCallOptions = {}): Promise<RunReport> {
    const step: Step = {
      kind: 'get',
      remote: typeof remote === 'string' ? [remote] : [...remote],
      localDir: resolve(localDir),
      ...this.timeoutOf(options),
      ...(options.recursive !== undefined ? { recursive: options.recursive } : {}),
      ...(options.window !== undefined ? { window: options.window } : {}),
    };
    return this.run([step], options, false);
  }

  /** Connect and authenticate only. */
  ping(options: CallOptions = {}): Promise<RunReport> {
    return this.run([{ kind: 'ping' }], options, false);
  }

  /** The events of an exec as they happen: start, output (one line each), end. */
  stream(command: string, options: ExecCallOptions = {}): AsyncIterable<RunEvent> {
    const queue = new EventQueue<RunEvent>();
    const done = this.exec(command, { ...options, onEvent: (e) => queue.push(e) });
    done.then(() => queue.close(), (err: unknown) => queue.fail(err));
    return queue;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }

  /** Every selected host's settings as they will be used, secrets left out. */
  describe(): HostConfig[] {
    return [...this.selected];
  }

  private timeoutOf(options: CallOptions): { timeoutMs?: number } {
    const t = ms(options.timeout ?? this.options.timeout ?? DEFAULT_TIMEOUT);
    return t === undefined ? {} : { timeoutMs: t };
  }

  private overrides(): TargetOverrides {
    const o = this.options;
    const connectTimeoutMs = ms(o.connectTimeout);
    return {
      ...(o.user !== undefined ? { user: o.user } : {}),
      ...(o.identityFile !== undefined ? { identityFiles: [o.identityFile].flat().map((p) => resolve(p)) } : {}),
      ...(o.password !== undefined ? { password: o.password } : {}),
      ...(o.hostKeyPolicy !== undefined ? { hostKeyPolicy: o.hostKeyPolicy } : {}),
      ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    };
  }

  private async run(steps: Step[], options: CallOptions, sudo: boolean): Promise<RunReport> {
    const started = performance.now();
    this.targets ??= buildTargets(this.selected, this.inventory, this.overrides());
    const targets = await this.targets;
    // sudo asks for the login user's own password: an explicit one wins, else the host's login password.
    const sudoPasswordOf = (host: HostTarget) => (sudo ? (this.options.sudoPassword ?? host.password) : undefined);
    const tasks = targets.map((host) => {
      const sudoPassword = sudoPasswordOf(host);
      return { host, steps, ...(sudoPassword !== undefined ? { sudoPassword } : {}) };
    });
    const deadlineMs = ms(options.deadline);
    const runOptions: RunOptions = {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(deadlineMs !== undefined ? { deadlineMs: deadlineMs } : {}),
      ...(this.options.maxOutputBytes !== undefined ? { maxOutputBytes: this.options.maxOutputBytes } : {}),
      retry: options.retry ?? this.options.retry ?? 0,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(this.options.onWarning ? { onWarning: this.options.onWarning } : {}),
    };
    const results =
      options.batch === undefined
        ? await this.pool.run(tasks, runOptions)
        : await this.runBatches(tasks, options, runOptions, started, deadlineMs);
    return new RunReport(results, Math.round(performance.now() - started), options.signal?.aborted ?? false);
  }

  /** Rolling batches: each starts when the one before has ended, unless too many hosts failed by then. */
  private async runBatches(
    tasks: { host: HostTarget; steps: Step[] }[],
    options: CallOptions,
    runOptions: RunOptions,
    started: number,
    deadlineMs: number | undefined,
  ): Promise<HostResult[]> {
    const size = batchSize(options.batch!, tasks.length);
    const limit = options.maxFail === undefined ? 100 : maxFailPercent(options.maxFail);
    const results: HostResult[] = [];
    for (const batch of splitBatches(tasks, size)) {
      const failed = results.filter((r) => !r.ok).length;
      const stopped = (failed / tasks.length) * 100 > limit || options.signal?.aborted;
      if (stopped) {
        const why = options.signal?.aborted ? 'cancelled' : `more than ${limit}% of hosts failed (max-fail)`;
        for (const t of batch) results.push(notStarted(t.host.host, why));
        continue;
      }
      const left = deadlineMs === undefined ? undefined : Math.max(1, deadlineMs - (performance.now() - started));
      results.push(...(await this.pool.run(batch, { ...runOptions, ...(left !== undefined ? { deadlineMs: left } : {}) })));
    }
    return results;
  }
}

function notStarted(host: string, why: string): HostResult {
  return {
    host,
    ok: false,
    exitCode: null,
    signal: null,
    stdout: '',
    stderr: '',
    truncated: false,
    durationMs: 0,
    error: new AbortError(`${host}: not started: ${why}`, { host }),
  };
}
