import type { FleetError } from '../../core/errors.js';
import type { SshConnection } from '../../ssh/connect.js';
import { viaJumpHost } from '../../ssh/error-builders.js';
import type { HeldSessionInfo } from '../transport/protocol.js';
import type { HostTarget } from '../transport/task.js';
import { sessionKey } from './session-key.js';

/** Opens one authenticated connection, through `jump` (held here, not owned by the new one) when given. */
export type OpenSession = (
  target: HostTarget,
  jump: SshConnection | undefined,
  signal: AbortSignal,
  onWarning: (message: string) => void,
) => Promise<SshConnection>;

export interface HeldSessionsOptions {
  /** Keep sessions after a task ends (a Fleet's calls share them); false: close each when its task ends. */
  keep: boolean;
  /** Idle sessions beyond this many are closed, least recently used first (file descriptors are finite). */
  maxHeld: number;
  /** Close a session idle this long; absent: held until the worker shuts down. */
  idleMs?: number;
}

interface Held {
  key: string;
  conn: SshConnection;
  /** Who it is, for `fleet sessions` (the key holds a digest, not names). */
  who: Pick<HostTarget, 'host' | 'user' | 'address' | 'port'>;
  openedAt: number;
  /** Tasks using it now, and held sessions forwarded through it (it is their jump host). */
  busy: number;
  through: number;
  lastUsed: number;
  jump: Held | undefined;
  idle?: NodeJS.Timeout;
  dropped?: boolean;
  /** Opened, not yet taken by the task (or target) that opened it: never idle, whatever its counts say. */
  fresh?: boolean;
}

export interface Lease {
  readonly conn: SshConnection;
  /** It was held from an earlier task: this task did not log in. */
  readonly reused: boolean;
  release(): Promise<void>;
}

const NEVER = new AbortController().signal;

/** `work`, or the abort's reason as soon as `signal` fires (the work itself goes on). */
function untilAborted<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (v) => (signal.removeEventListener('abort', onAbort), resolve(v)),
      (e: unknown) => (signal.removeEventListener('abort', onAbort), reject(e)),
    );
  });
}

/** A failed jump is not retried by every host queued behind it in the same moment: one login, one answer. */
const JUMP_FAILURE_MS = 5_000;

/**
 * The sessions a worker holds, by session key: one per host and one per jump host, whatever the number of
 * targets behind it (each of those is a channel forwarded over it). A held session found dead when a task
 * starts (the server closed it, sshd restarted, keepalive expired) is replaced at once; one that dies during
 * a step is that step's failure, reported by the step.
 */
export class HeldSessions {
  private readonly held = new Map<string, Held>();
  private readonly opening = new Map<string, Promise<Held>>();
  private readonly jumpFailures = new Map<string, { err: unknown; until: number }>();

  constructor(
    private readonly open: OpenSession,
    private readonly options: HeldSessionsOptions,
  ) {}

  get size(): number {
    return this.held.size;
  }

  async acquire(target: HostTarget, signal: AbortSignal, onWarning: (message: string) => void): Promise<Lease> {
    const key = sessionKey(target);
    const found = this.live(key);
    const entry = found ?? (await this.openShared(key, target, signal, onWarning));
    entry.busy++;
    entry.fresh = false;
    this.touch(entry);
    let released = false;
    return {
      conn: entry.conn,
      reused: found !== undefined,
      release: async () => {
        if (released) return;
        released = true;
        entry.busy--;
        this.touch(entry);
        if (!this.options.keep) await this.closeIfUnused(entry);
        else await this.trim();
      },
    };
  }

  /** What is held now, live ones only; lastUsed is kept on the monotonic clock and told as epoch ms. */
  list(): HeldSessionInfo[] {
    const offset = Date.now() - performance.now();
    return [...this.held.values()]
      .filter((e) => !e.conn.closed && !e.conn.lost)
      .map((e) => ({
        ...e.who,
        ...(e.jump ? { via: e.jump.who.host } : {}),
        openedAt: e.openedAt,
        lastUsed: Math.round(e.lastUsed + offset),
        busy: e.busy > 0,
      }));
  }

  /** The live sessions no task is using now. */
  idle(): SshConnection[] {
    return [...this.held.values()].filter((e) => e.busy === 0 && !e.conn.closed && !e.conn.lost).map((e) => e.conn);
  }

  /** Ends every session: targets first, then the jumps they ride on (ending a jump cuts its targets off). */
  async closeAll(): Promise<void> {
    const entries = [...this.held.values()];
    // Taken before drop(), which lowers each jump's rider count as its targets go.
    const jumps = new Set(entries.flatMap((e) => (e.jump ? [e.jump] : [])));
    for (const e of entries) this.drop(e);
    await Promise.all(entries.filter((e) => !jumps.has(e)).map((e) => e.conn.close()));
    await Promise.all([...jumps].map((e) => e.conn.close()));
  }

  /** Held and not known to be dead; a dead one is dropped (with what it carried) so the caller opens anew. */
  private live(key: string): Held | undefined {
    const e = this.held.get(key);
    if (!e) return undefined;
    if (!e.conn.closed && !e.conn.lost && (!e.jump || this.live(e.jump.key) === e.jump)) return e;
    this.drop(e);
    void e.conn.close();
    return undefined;
  }

  /** One login per key even when several tasks (or several targets behind one jump) ask at once. */
  private openShared(key: string, target: HostTarget, signal: AbortSignal, onWarning: (message: string) => void): Promise<Held> {
    let pending = this.opening.get(key);
    if (!pending) {
      pending = this.openHeld(key, target, signal, onWarning).finally(() => this.opening.delete(key));
      this.opening.set(key, pending);
    }
    return pending;
  }

  private async openHeld(key: string, target: HostTarget, signal: AbortSignal, onWarning: (message: string) => void): Promise<Held> {
    const jump = target.jump ? await this.acquireJump(target, target.jump, signal, onWarning) : undefined;
    let conn: SshConnection;
    try {
      conn = await this.open(target, jump?.conn, signal, onWarning);
    } catch (err) {
      if (jump) await this.releaseThrough(jump);
      throw err;
    }
    if (signal.aborted) {
      // Cancelled while logging in: not worth holding for a task that will not run.
      if (jump) await this.releaseThrough(jump);
      await conn.close();
      throw signal.reason ?? new Error('aborted');
    }
    const who = { host: target.host, user: target.user, address: target.address, port: target.port };
    const entry: Held = { key, conn, who, openedAt: Date.now(), busy: 0, through: 0, lastUsed: performance.now(), jump, fresh: true };
    this.held.set(key, entry);
    conn.onClose(() => this.drop(entry));
    return entry;
  }

  /** The held session of `target`'s jump host; its failure is told as the target's, naming the jump. */
  private async acquireJump(target: HostTarget, jump: HostTarget, signal: AbortSignal, onWarning: (message: string) => void): Promise<Held> {
    const key = sessionKey(jump);
    const failed = this.jumpFailures.get(key);
    if (failed && failed.until > performance.now()) throw viaJumpHost(target.host, jump.host, failed.err as FleetError);
    try {
      // Its login serves every target behind it: no one target's cancel may end it, only its own timeout.
      const entry = this.live(key) ?? (await untilAborted(this.openShared(key, jump, NEVER, onWarning), signal));
      entry.through++;
      entry.fresh = false;
      this.touch(entry);
      return entry;
    } catch (err) {
      if (signal.aborted) throw err;
      this.jumpFailures.set(key, { err, until: performance.now() + JUMP_FAILURE_MS });
      throw viaJumpHost(target.host, jump.host, err as FleetError);
    }
  }

  /**
   * A jump stays held when its last rider goes, even without `keep`: the next target behind it usually starts
   * a moment later, and a bastion login per slot turnover is what MaxStartups punishes. Idle time, the bound
   * and shutdown close it.
   */
  private async releaseThrough(jump: Held): Promise<void> {
    jump.through--;
    this.touch(jump);
    await this.trim();
  }

  /** No longer held (closed, dead or evicted): exactly once, it stops counting as a rider of its jump. */
  private drop(e: Held): void {
    if (this.held.get(e.key) === e) this.held.delete(e.key);
    if (e.idle) clearTimeout(e.idle);
    e.idle = undefined;
    if (e.dropped) return;
    e.dropped = true;
    if (e.jump) void this.releaseThrough(e.jump);
  }

  private async closeIfUnused(e: Held): Promise<void> {
    if (e.busy > 0 || e.through > 0 || e.fresh) return;
    this.drop(e);
    await e.conn.close();
  }

  /** Marks use and (re)arms the idle timer of a session nobody is using. */
  private touch(e: Held): void {
    e.lastUsed = performance.now();
    if (e.idle) clearTimeout(e.idle);
    e.idle = undefined;
    const { idleMs } = this.options;
    if (idleMs === undefined || e.busy > 0 || e.through > 0 || e.dropped || e.fresh) return;
    e.idle = setTimeout(() => void this.closeIfUnused(e), idleMs);
    e.idle.unref();
  }

  /** Over the bound: close idle sessions, least recently used first (jumps only once nothing rides them). */
  private async trim(): Promise<void> {
    const over = this.held.size - this.options.maxHeld;
    if (over <= 0) return;
    const idle = [...this.held.values()].filter((e) => e.busy === 0 && e.through === 0 && !e.fresh).sort((a, b) => a.lastUsed - b.lastUsed);
    await Promise.all(idle.slice(0, over).map((e) => this.closeIfUnused(e)));
  }
}
