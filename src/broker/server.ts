import type { Socket } from 'node:net';
import { WorkerPool, type PoolOptions } from '../runner/controller/pool.js';
import type { HeldSessionInfo } from '../runner/transport/protocol.js';
import type { HostResult } from '../core/result.js';
import { eventToWire, resultToWire, type FromBroker, type ToBroker } from './frames.js';
import { FrameSocket } from './frame-socket.js';
import { LineBatcher } from './line-batches.js';
import { Memo } from './memo.js';

type RunFrame = Extract<ToBroker, { type: 'run' }>;
type Conn = FrameSocket<ToBroker, FromBroker>;

/** A pool and the runs waiting for it: a WorkerPool runs one at a time, and two CLIs may ask at once. */
class PoolSlot {
  private tail: Promise<unknown> = Promise.resolve();

  constructor(readonly pool: WorkerPool) {}

  enqueue<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

/**
 * The broker: WorkerPools that keep their sessions, keyed by what shapes a pool (forks, workers, …), so runs
 * with the same flags find the same sessions. It serves runs until it has had none for the idle time asked
 * by the latest run, then logs out of everything and leaves.
 */
export class Broker {
  private readonly pools = new Map<string, PoolSlot>();
  private readonly runs = new Map<Conn, Map<number, AbortController>>();
  private active = 0;
  private idleTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;
  private readonly memo = new Memo();

  constructor(
    private readonly version: string,
    private idleMs: number,
    /** Called once every pool is closed: the entry closes the socket and exits. */
    private readonly onStopped: () => void,
  ) {
    this.arm();
  }

  serve(socket: Socket): void {
    const runs = new Map<number, AbortController>();
    // A client gone mid-run (Ctrl-C twice, kill -9) is a cancel: its remote commands are ended.
    const conn: Conn = new FrameSocket<ToBroker, FromBroker>(socket, (f) => this.handle(conn, f), () => {
      for (const c of runs.values()) c.abort();
      this.runs.delete(conn);
    });
    this.runs.set(conn, runs);
  }

  private handle(conn: Conn, frame: ToBroker): void {
    switch (frame.type) {
      case 'hello':
        return void conn.send({ type: 'hello', version: this.version, pid: process.pid });
      case 'run':
        return void this.run(conn, frame);
      case 'cancel':
        return this.runs.get(conn)?.get(frame.id)?.abort();
      case 'sessions':
        return void this.sessions().then((sessions) => conn.send({ type: 'sessions', sessions }));
      case 'stop':
        return void this.stop().then(() => conn.send({ type: 'stopped' }));
      case 'recall': {
        const value = this.memo.recall(frame.key);
        return void conn.send(value === undefined ? { type: 'recalled' } : { type: 'recalled', value });
      }
      case 'remember':
        return this.memo.remember(frame.key, frame.value);
    }
  }

  private slotFor(frame: RunFrame): PoolSlot {
    // Its sessions are held for many runs: each connection's guard pays from the second command on.
    const options: PoolOptions = { ...frame.pool, keepSessions: true, sessionIdleMs: frame.idleMs, guardFrom: 2 };
    const key = JSON.stringify(Object.entries(options).sort(([a], [b]) => a.localeCompare(b)));
    let slot = this.pools.get(key);
    if (!slot) this.pools.set(key, (slot = new PoolSlot(new WorkerPool(frame.tasks.length, options))));
    return slot;
  }

  private async run(conn: Conn, frame: RunFrame): Promise<void> {
    const { id } = frame;
    const controller = new AbortController();
    this.runs.get(conn)?.set(id, controller);
    this.active++;
    this.idleMs = frame.idleMs;
    this.disarm();
    try {
      if (this.stopping) throw new Error('the fleet broker is stopping');
      const slot = this.slotFor(frame);
      // Each host's end event carries its result: the last frame repeats only those no end event took.
      const sent = new Set<string>();
      const lines = new LineBatcher((batch) => conn.send({ type: 'lines', id, ...batch }));
      const results: HostResult[] = await slot.enqueue(() =>
        slot.pool.run(frame.tasks, {
          ...frame.options,
          signal: controller.signal,
          onEvent: (event) => {
            if (event.type === 'output' && lines.add(event)) return conn.waiting;
            const flushed = lines.flush();
            if (event.type === 'end') sent.add(event.host);
            return conn.send({ type: 'event', id, event: eventToWire(event) }) ?? flushed;
          },
          onWarning: (message) => {
            void lines.flush();
            void conn.send({ type: 'warning', id, message });
          },
        }),
      );
      await lines.flush();
      await conn.send({ type: 'result', id, results: results.filter((r) => !sent.has(r.host)).map(resultToWire) });
    } catch (err) {
      await conn.send({ type: 'failed', id, message: err instanceof Error ? err.message : String(err) });
    } finally {
      this.runs.get(conn)?.delete(id);
      this.active--;
      if (this.active === 0) this.arm();
    }
  }

  private async sessions(): Promise<HeldSessionInfo[]> {
    const all = await Promise.all([...this.pools.values()].map((s) => s.pool.sessions()));
    return all.flat();
  }

  /** Cancels what runs, logs out of every held session, then lets the entry exit. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.disarm();
      for (const runs of this.runs.values()) for (const c of runs.values()) c.abort();
      await Promise.all([...this.pools.values()].map((s) => s.pool.close()));
      // The answer to `stop` goes out first; then every client is let go and the entry exits.
      setImmediate(() => {
        for (const conn of this.runs.keys()) conn.end();
        this.onStopped();
      });
    })();
    return this.stopping;
  }

  private arm(): void {
    this.disarm();
    this.idleTimer = setTimeout(() => void this.stop(), this.idleMs);
  }

  private disarm(): void {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
  }
}
