import pLimit from 'p-limit';
import { Credit } from './credit.js';
import { HeldSessions } from './held-sessions.js';
import { runHostJob } from './host-job.js';
import { openSession } from './open-session.js';
import type { FromWorker, ToWorker, WorkerStart } from '../transport/protocol.js';
import type { WorkerSide } from '../transport/inline-worker.js';
import { prepareHelpers, startGuardsAt } from '../../ssh/session-guard.js';

/** How often a task reports transfer progress: enough for a progress line, far below the data rate. */
const PROGRESS_MS = 250;

/**
 * How long a worker that starts guards early (the broker's) waits, once its last task ended, before it starts
 * the guards and runners of its idle sessions: past the run's last results and the CLI's printing of them,
 * which share this machine's cores with it when the fleet is small.
 */
const PREPARE_AFTER_MS = 100;

/**
 * The worker side of the protocol, independent of where it runs: in a forked worker (messages over IPC) or
 * inline in the controller for runs too small to be worth a fork (messages by function call). Runs at most
 * `slots` host tasks at once and streams every event to `send`.
 */
export class TaskRunner implements WorkerSide {
  private readonly limit: ReturnType<typeof pLimit>;
  private readonly credit: Credit;
  private readonly cancels = new Map<number, AbortController>();
  /** Sessions kept between tasks: a host's next task (routed back here by the controller) reuses its login. */
  private readonly sessions: HeldSessions;
  private readonly prepares: boolean;
  private prepareTimer: NodeJS.Timeout | undefined;

  constructor(
    start: WorkerStart,
    private readonly send: (message: FromWorker) => void,
  ) {
    this.limit = pLimit(Math.max(1, start.slots));
    if (start.guardFrom > 0) startGuardsAt(start.guardFrom);
    this.prepares = start.guardFrom > 0;
    this.credit = new Credit(start.creditWindow);
    this.sessions = new HeldSessions(openSession, {
      keep: start.maxHeldSessions > 0,
      // Not kept: host sessions close as their tasks end; only jump sessions stay, and no bound trims them.
      maxHeld: start.maxHeldSessions > 0 ? start.maxHeldSessions : Infinity,
      ...(start.sessionIdleMs > 0 ? { idleMs: start.sessionIdleMs } : {}),
    });
  }

  get busy(): number {
    return this.cancels.size;
  }

  handle(message: ToWorker): void {
    switch (message.type) {
      case 'task':
        return this.run(message.id, message);
      case 'cancel':
        return this.cancels.get(message.id)?.abort();
      case 'credit':
        return this.credit.give(message.bytes);
      case 'sessions':
        return this.send({ type: 'sessions', id: message.id, sessions: this.sessions.list() });
      case 'shutdown':
        return void this.shutdown();
    }
  }

  cancelAll(): void {
    for (const c of this.cancels.values()) c.abort();
  }

  /** The worker is leaving: running hosts are cancelled and every held session is ended (a clean logout). */
  async shutdown(): Promise<void> {
    clearTimeout(this.prepareTimer);
    this.cancelAll();
    await this.sessions.closeAll();
  }

  private run(id: number, message: Extract<ToWorker, { type: 'task' }>): void {
    const controller = new AbortController();
    this.cancels.set(id, controller);
    clearTimeout(this.prepareTimer);
    void this.limit(async () => {
      this.send({ type: 'start', id });
      let lastProgress = 0;
      const end = await runHostJob(
        message.task,
        {
          output: (stream, data) => {
            this.send({ type: 'output', id, stream, data });
            return this.credit.take(data.length);
          },
          warning: (text) => this.send({ type: 'warning', message: text }),
          progress: (bytes) => {
            const now = performance.now();
            if (now - lastProgress < PROGRESS_MS) return;
            lastProgress = now;
            this.send({ type: 'progress', id, bytes });
          },
        },
        controller.signal,
        () => this.send({ type: 'step', id }),
        this.sessions,
      );
      this.cancels.delete(id);
      this.send({ type: 'end', id, end });
      if (this.cancels.size === 0) this.prepareWhenIdle();
    });
  }

  /** Between runs: the idle sessions' guards and runners start, unless a task comes first. */
  private prepareWhenIdle(): void {
    if (!this.prepares) return;
    clearTimeout(this.prepareTimer);
    this.prepareTimer = setTimeout(() => {
      for (const conn of this.sessions.idle()) prepareHelpers(conn);
    }, PREPARE_AFTER_MS);
    this.prepareTimer.unref();
  }
}
