import { resolve } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.js';
import { loadRememberedInventory } from './remembered-inventory.js';
import { adhocInventory, loadInventory, resolveInventoryPath, selectHosts, type HostConfig, type Inventory } from '../inventory/index.js';
import type { HostResult, RunEvent } from '../core/result.js';
import { RunReport } from '../core/report.js';
import { notStartedError, notStartedResult } from '../core/not-started.js';
import { perHost, perHostCommand, type PerHost, type Render } from './per-host.js';
import { batchSize, maxFailPercent, runInBatches } from '../runner/controller/batches.js';
import { DEFAULT_FORKS } from '../runner/controller/pool.js';
import type { PoolRunOptions, RunPool } from '../runner/controller/run-options.js';
import type { TargetOverrides } from '../runner/controller/targets.js';
import { SharedPool } from './shared-pool.js';
import type { ExecStep, Step } from '../core/steps.js';
import type { HostTask, HostTarget } from '../runner/transport/task.js';
import { buildScriptCommand } from './script-command.js';
import { EventQueue } from './event-queue.js';
import { checkEnvNames } from '../ssh/remote-command.js';
import { prepareHosts, type PreparedHosts } from './hosts.js';
import {
  brokerIdleMs,
  hostOverrides,
  ms,
  poolOptions,
  queueOf,
  withInventoryPersist,
  type CallOptions,
  type ExecCallOptions,
  type FleetOptions,
  type GetCallOptions,
  type PutCallOptions,
} from './options.js';

/** What callers of the facade see of the layers below it: the host type describe() returns, the forks default. */
export type { HostConfig };
export { DEFAULT_FORKS };
export type { CallOptions, Duration, ExecCallOptions, FleetOptions, GetCallOptions, PutCallOptions } from './options.js';


/**
 * The programmatic API (DESIGN.md §7). A failing host never rejects exec/put/get: it is a result. Only
 * whole-run faults throw: a bad inventory, a selection of nothing, a call on a closed Fleet.
 */
export class Fleet {
  readonly hosts: readonly string[];
  private readonly shared: SharedPool;
  private readonly selected: HostConfig[];
  /** What select() patterns are matched in: this Fleet's hosts, with the inventory's groups. */
  private subsetInventory: Inventory | undefined;

  private constructor(
    private readonly prepared: PreparedHosts,
    private readonly options: FleetOptions,
    shared?: SharedPool,
  ) {
    this.selected = prepared.selected;
    this.hosts = this.selected.map((h) => h.name);
    this.shared = shared ?? new SharedPool(prepared, () => this.overrides(), poolOptions(options), brokerIdleMs(options), queueOf(options));
  }

  private get pool(): RunPool {
    return this.shared.pool;
  }

  /**
   * A Fleet over some of these hosts — a selection pattern (`web:!web03`, `h0[1-3]`) or host names — that
   * shares this one's workers and held sessions: nothing reconnects. Closing any of them closes them all.
   */
  select(which: string | readonly string[]): Fleet {
    let names: Set<string>;
    if (typeof which === 'string') {
      this.subsetInventory ??= { ...this.prepared.forTargets, hosts: this.selected };
      names = new Set(selectHosts(this.subsetInventory, which).map((h) => h.name));
    } else {
      names = new Set(which);
      const known = new Set(this.hosts);
      const unknown = [...names].filter((n) => !known.has(n));
      if (unknown.length) throw new ConfigError(`select: ${unknown.join(', ')} ${unknown.length === 1 ? 'is' : 'are'} not among this Fleet's hosts`);
      if (names.size === 0) throw new ConfigError('select: no hosts given');
    }
    return new Fleet({ ...this.prepared, selected: this.selected.filter((h) => names.has(h.name)) }, this.options, this.shared);
  }

  /** The Fleet a call runs on: this one, or its `limit` of it. */
  private narrowed(options: CallOptions): Fleet {
    return options.limit === undefined ? this : this.select(options.limit);
  }

  /** Loads an inventory file (default: $FLEET_INVENTORY, ./inventory.yaml, ./fleet.yaml) and selects hosts. */
  static async fromInventory(path?: string, options: FleetOptions = {}): Promise<Fleet> {
    const file = resolve(resolveInventoryPath(path));
    // A queued run does not use the broker, whatever else it was given.
    const idleMs = options.queue === undefined ? brokerIdleMs(options) : undefined;
    const inventory = idleMs !== undefined ? await loadRememberedInventory(file, idleMs) : await loadInventory(file);
    const withPersist = withInventoryPersist(options, inventory.persist);
    return new Fleet(prepareHosts(inventory, withPersist.limit ?? 'all', hostOverrides(withPersist), 'inventory', withPersist.onWarning), withPersist);
  }

  /** Hosts given directly: `['root@10.0.0.[1-5]:2222', 'web01']`, no file needed. */
  static fromHosts(hosts: string | readonly string[], options: FleetOptions = {}): Fleet {
    const spec = typeof hosts === 'string' ? hosts : hosts.join(',');
    const inventory = adhocInventory(spec, options.user !== undefined ? { user: options.user } : {});
    if (inventory.hosts.length === 0) throw new ConfigError('no hosts given');
    return new Fleet(prepareHosts(inventory, options.limit ?? 'all', hostOverrides(options), 'cli', options.onWarning), options);
  }

  /**
   * Runs a shell command on every host. A string may hold `{host}`, `{address}`, `{port}`, `{user}` and the
   * hosts' inventory variables, each substituted shell-quoted; a function builds each host's command itself.
   */
  async exec(command: PerHost, options: ExecCallOptions = {}): Promise<RunReport> {
    if (options.limit !== undefined) return this.narrowed(options).exec(command, { ...options, limit: undefined });
    const render = perHostCommand(command, this.selected);
    return this.execEach(render, options);
  }

  /**
   * Runs a local script on every host (Ansible's `script`): its shebang's interpreter (sh without one) reads
   * it from a here-document, so nothing is written to the host. Arguments are templates, like commands.
   */
  async script(file: string, args: readonly PerHost[] = [], options: ExecCallOptions = {}): Promise<RunReport> {
    if (options.limit !== undefined) return this.narrowed(options).script(file, args, { ...options, limit: undefined });
    let text: string;
    try {
      text = await readFile(resolve(file), 'utf8');
    } catch (err) {
      throw new ConfigError(`script ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
    }
    const renders = args.map((a, i) => perHost(a, this.selected, `script argument ${i + 1}`));
    const sudo = options.sudo !== undefined && options.sudo !== false;
    const build = (host: HostConfig, user: string) => buildScriptCommand(text, renders.map((r) => r(host, user)), file, sudo);
    // Built for one host now, so a script that cannot be sent fails the call before any host starts.
    if (this.selected[0]) build(this.selected[0], this.selected[0].user);
    return this.execEach(build, options);
  }

  // async, as are put, get and ping, so that a bad call option (an env name, a duration) rejects the
  // promise before any host starts, rather than throwing out of the caller's hands.
  private async execEach(command: Render, options: ExecCallOptions): Promise<RunReport> {
    checkEnvNames(options.env);
    const sudo = options.sudo === true ? {} : options.sudo || undefined;
    const stdin = options.stdin;
    const step: Omit<ExecStep, 'command'> = {
      kind: 'exec',
      ...this.timeoutOf(options),
      ...(sudo ? { sudo } : {}),
      ...(stdin !== undefined ? { stdin: typeof stdin === 'string' ? stdin : { base64: Buffer.from(stdin).toString('base64') } } : {}),
      ...(options.env ? { env: options.env } : {}),
      ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
    };
    return this.run((host, user) => [{ ...step, command: command(host, user) }], options, sudo !== undefined);
  }

  /** `remote` may hold `{host}` and the other template names (substituted as they are: SFTP paths, no shell). */
  async put(local: string | readonly string[], remote: PerHost, options: PutCallOptions = {}): Promise<RunReport> {
    if (options.limit !== undefined) return this.narrowed(options).put(local, remote, { ...options, limit: undefined });
    const target = perHost(remote, this.selected, 'remote path');
    const step = {
      kind: 'put' as const,
      local: (typeof local === 'string' ? [local] : [...local]).map((p) => resolve(p)),
      ...this.timeoutOf(options),
      ...(options.recursive !== undefined ? { recursive: options.recursive } : {}),
      ...(options.mode !== undefined ? { mode: options.mode } : {}),
      ...(options.atomic !== undefined ? { atomic: options.atomic } : {}),
      ...(options.skipUnchanged !== undefined ? { skipUnchanged: options.skipUnchanged } : {}),
      ...(options.window !== undefined ? { window: options.window } : {}),
    };
    return this.run((host, user) => [{ ...step, remote: target(host, user) }], options, false);
  }

  /** Fetches into `<localDir>/<host>/<basename>` for every host; remote paths may be templates. */
  async get(remote: PerHost | readonly PerHost[], localDir: string, options: GetCallOptions = {}): Promise<RunReport> {
    if (options.limit !== undefined) return this.narrowed(options).get(remote, localDir, { ...options, limit: undefined });
    const sources = (Array.isArray(remote) ? [...(remote as readonly PerHost[])] : [remote as PerHost]).map((r) => perHost(r, this.selected, 'remote path'));
    const step = {
      kind: 'get' as const,
      localDir: resolve(localDir),
      ...this.timeoutOf(options),
      ...(options.recursive !== undefined ? { recursive: options.recursive } : {}),
      ...(options.window !== undefined ? { window: options.window } : {}),
    };
    return this.run((host, user) => [{ ...step, remote: sources.map((r) => r(host, user)) }], options, false);
  }

  /** Connect and authenticate only. */
  async ping(options: CallOptions = {}): Promise<RunReport> {
    if (options.limit !== undefined) return this.narrowed(options).ping({ ...options, limit: undefined });
    return this.run(() => [{ kind: 'ping' }], options, false);
  }

  /** The events of an exec as they happen: start, output (one line each), end. */
  stream(command: PerHost, options: ExecCallOptions = {}): AsyncIterable<RunEvent> {
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
    const t = ms(options.timeout ?? this.options.timeout);
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

  private async run(stepsFor: (host: HostConfig, user: string) => Step[], options: CallOptions, sudo: boolean): Promise<RunReport> {
    const started = performance.now();
    const targets = await this.shared.targetsOf(this.selected);
    // sudo asks for the login user's own password: an explicit one wins, else the host's login password.
    const sudoPasswordOf = (host: HostTarget) => (sudo ? (this.options.sudoPassword ?? host.password) : undefined);
    // Per-host steps are built before any host starts, so a template or function that fails rejects the call.
    const tasks = targets.map((host, i): HostTask => {
      const sudoPassword = sudoPasswordOf(host);
      return { host, steps: stepsFor(this.selected[i]!, host.user), ...(sudoPassword !== undefined ? { sudoPassword } : {}) };
    });
    const deadlineMs = ms(options.deadline);
    const runOptions: PoolRunOptions = {
      ...(options.signal ? { signal: options.signal } : {}),
      ...(deadlineMs !== undefined ? { deadlineMs: deadlineMs } : {}),
      ...(this.options.maxOutputBytes !== undefined ? { maxOutputBytes: this.options.maxOutputBytes } : {}),
      retry: options.retry ?? this.options.retry ?? 0,
      ...(options.onEvent ? { onEvent: options.onEvent } : {}),
      ...(options.outputEvents !== undefined ? { outputEvents: options.outputEvents } : {}),
      ...(this.options.onWarning ? { onWarning: this.options.onWarning } : {}),
    };
    const results =
      options.batch === undefined
        ? await this.pool.run(tasks, runOptions)
        : await this.runBatches(tasks, options, runOptions, started, deadlineMs);
    return new RunReport(results, Math.round(performance.now() - started), options.signal?.aborted ?? false);
  }

  /** Rolling batches: each starts when the one before has ended, unless too much of it failed (max-fail). */
  private async runBatches(
    tasks: HostTask[],
    options: CallOptions,
    runOptions: PoolRunOptions,
    started: number,
    deadlineMs: number | undefined,
  ): Promise<HostResult[]> {
    return runInBatches(tasks, {
      size: batchSize(options.batch!, tasks.length),
      maxFail: options.maxFail === undefined ? 100 : maxFailPercent(options.maxFail),
      ...(options.signal ? { signal: options.signal } : {}),
      run: (batch) => {
        const left = deadlineMs === undefined ? undefined : Math.max(1, deadlineMs - (performance.now() - started));
        return this.pool.run(batch, { ...runOptions, ...(left !== undefined ? { deadlineMs: left } : {}) });
      },
      skip: (task, why) => {
        const result = notStartedResult(task.host.host, notStartedError(task.host.host, why));
        // Skipped hosts end like any other in the event stream, so -o ndjson shows every host once.
        void options.onEvent?.({ type: 'end', host: result.host, result, at: Date.now() });
        return result;
      },
    });
  }
}
