import { ConfigError } from '../core/errors.js';
import { resolve } from 'node:path';
import type { HostKeyPolicy } from '../core/host-key-policy.js';
import type { RunEvent } from '../core/result.js';
import type { ExecShared, SudoTarget } from '../core/steps.js';
import { parseDuration } from '../inventory/index.js';
import type { PoolOptions } from '../runner/controller/pool.js';
import type { HostOverrides } from './hosts.js';
import type { QueueOptions } from '../queue/queue-url.js';

export type { QueueOptions };

/** The options of a Fleet and of its calls (DESIGN.md §7), and how they map onto the layers below. */

/** `30s`, `2m`, `1m30s` as on the command line, or a number of milliseconds (core/duration.ts). */
export type Duration = string | number;


export interface FleetOptions {
  /** Selection pattern (Ansible-compatible): `web:&prod:!web03`. Default all. */
  limit?: string;
  /** Max concurrent hosts (live SSH sessions) across all workers. Default 64. */
  forks?: number;
  /** Forked worker processes. Default min(cores, ceil(hosts/8)). */
  workers?: number;
  /**
   * Per command or transfer, per host: `30s`, `2m`, or ms as a number; 0 for none. Default none, as in pssh
   * and clush: a long command is not a hung host, and a dead host is still caught by the connect timeout and
   * the SSH keepalive (3 unanswered probes 5 s apart).
   */
  timeout?: Duration;
  connectTimeout?: Duration;
  user?: string;
  identityFile?: string | string[];
  password?: string;
  /** For sudo; defaults to each host's login password. */
  sudoPassword?: string;
  hostKeyPolicy?: HostKeyPolicy;
  /** The known_hosts file of every host (and jump host) of the run, instead of the inventory's. */
  knownHosts?: string;
  /** The destination port of every selected host (jump hosts keep theirs), like ssh -p. */
  port?: number;
  /** Forward the agent to every host's sessions (ssh -A). */
  forwardAgent?: boolean;
  /** OpenSSH client config: a file (like ssh -F), or false to read none. Default ~/.ssh/config, /etc/ssh/ssh_config. */
  sshConfig?: string | false;
  /** Hosts whose connection failed are tried again this many times. */
  retry?: number;
  /**
   * Bytes of output (UTF-8, whole characters) kept per host and stream in results; `truncated` says when a
   * stream had more. Events still carry all of it. Default 1 MiB.
   */
  maxOutputBytes?: number;
  /**
   * How long a host's SSH session is kept after a call, for the next: true (the default) until close(); a
   * duration (`10m`, or ms) to close sessions idle that long; false to log out after every call, as before
   * sessions were held. A held session found dead when a call starts is reopened, once, transparently.
   */
  persist?: boolean | Duration;
  /**
   * Hold the sessions in the per-user session broker instead of this process (what the CLI's --persist
   * does): they outlive the Fleet, and the next Fleet — or `fleet` command — with the same hosts and settings
   * logs in to none. The broker starts on first use and ends once idle for `persist` (default 10m). Tasks
   * and their secrets reach it only over its private Unix socket. Left unset, an inventory's `persist: 10m`
   * turns it on (with that idle time) for Fleet.fromInventory; `false` keeps the sessions here regardless.
   */
  broker?: boolean;
  /**
   * Sessions held between calls, at most, across all workers; beyond it the least recently used idle ones
   * are closed. Default: what the open-files limit (`ulimit -n`) leaves once `forks` hosts run.
   */
  maxHeldSessions?: number;
  /**
   * Files your code keeps open per running host (say, one output file per stream: 2). forks is lowered to
   * what the open-files limit (`ulimit -n`) holds, with one warning; this counts your files in too.
   */
  callerFilesPerHost?: number;
  /**
   * Run through `fleet agent`s on NATS JetStream (`nats://host:port`, DESIGN.md §10) instead of workers
   * here. Secrets are resolved by each agent; a literal or prompted one is refused unless the URL is
   * tls:// with credentials. Hosts with a variable `zone` go only to agents of that zone.
   */
  queue?: string | QueueOptions;
  onWarning?: (message: string) => void;
}

export interface CallOptions {
  /** Only these of the Fleet's hosts for this call (a selection pattern), as `select(limit)` would. */
  limit?: string;
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
  /**
   * false: onEvent gets no `output` events (one per line); each result still has the output, up to
   * maxOutputBytes. For a caller that reads only results: on hosts that print a lot it halves the run.
   */
  outputEvents?: boolean;
}

export interface ExecCallOptions extends CallOptions, Pick<ExecShared, 'env' | 'cwd'> {
  /** true: as root; `{ user }`: as that user. */
  sudo?: boolean | SudoTarget;
  /** Sent to every host's command, then EOF. */
  stdin?: string | Uint8Array;
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

export function ms(value: Duration | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = parseDuration(value, { bareNumber: 'ms' });
  return n > 0 ? n : undefined;
}

export function poolOptions(o: FleetOptions): PoolOptions {
  const persist = o.persist ?? true;
  const idleMs = typeof persist === 'boolean' ? undefined : ms(persist);
  return {
    ...(o.forks !== undefined ? { forks: o.forks } : {}),
    ...(o.workers !== undefined ? { workers: o.workers } : {}),
    ...(o.callerFilesPerHost !== undefined ? { callerFilesPerHost: o.callerFilesPerHost } : {}),
    keepSessions: persist !== false,
    ...(o.maxHeldSessions !== undefined ? { maxHeldSessions: o.maxHeldSessions } : {}),
    ...(idleMs !== undefined ? { sessionIdleMs: idleMs } : {}),
  };
}

/**
 * The inventory's `persist:` applies when the caller left `broker` unset: the CLI's --persist and
 * $FLEET_PERSIST (0 included) and an explicit `broker` in the library win over it. A run through a queue
 * ignores it (agents hold their own sessions), where an explicit --persist is refused.
 */
export function withInventoryPersist(o: FleetOptions, persistMs: number | undefined): FleetOptions {
  if (o.broker !== undefined || o.queue !== undefined || persistMs === undefined || persistMs <= 0) return o;
  return { ...o, broker: true, persist: persistMs };
}

/** How long the broker keeps what is idle, when the Fleet runs on it: `persist` as a duration, else 10 minutes. */
export function brokerIdleMs(o: FleetOptions): number | undefined {
  if (!o.broker) return undefined;
  const persist = typeof o.persist === 'boolean' || o.persist === undefined ? undefined : ms(o.persist);
  return persist ?? 600_000;
}

export function hostOverrides(o: FleetOptions): HostOverrides {
  const connectTimeoutMs = ms(o.connectTimeout);
  return {
    ...(o.user !== undefined ? { user: o.user } : {}),
    ...(o.port !== undefined ? { port: o.port } : {}),
    ...(o.identityFile !== undefined ? { identityFiles: [o.identityFile].flat().map((p) => resolve(p)) } : {}),
    ...(o.knownHosts !== undefined ? { knownHosts: o.knownHosts } : {}),
    ...(o.hostKeyPolicy !== undefined ? { hostKeyPolicy: o.hostKeyPolicy } : {}),
    ...(connectTimeoutMs !== undefined ? { connectTimeoutMs } : {}),
    ...(o.forwardAgent !== undefined ? { forwardAgent: o.forwardAgent } : {}),
    ...(o.sshConfig !== undefined ? { sshConfig: o.sshConfig } : {}),
  };
}


/** The queue a Fleet runs through, with the one literal secret it may carry (an explicit sudo password). */
export function queueOf(o: FleetOptions): { queue: string | QueueOptions; sudoPassword?: string } | undefined {
  if (o.queue === undefined) return undefined;
  // Agents hold their own sessions; a broker in front of the queue would hold nothing.
  if (o.broker) throw new ConfigError('--persist and --queue do not go together: agents hold their own sessions; drop one of them');
  return { queue: o.queue, ...(o.sudoPassword !== undefined ? { sudoPassword: o.sudoPassword } : {}) };
}
