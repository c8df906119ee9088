import { renderProgress } from './render/index.js';
import { outcomeOf, type RunEvent } from '../core/result.js';
import type { Terminal } from './terminal.js';

/** How often the elapsed time on the progress line moves when no host ends. */
const TICK_MS = 200;

/**
 * Keeps the progress line's counts (done/total, failed, unreachable, elapsed; bytes and rate for put/get)
 * from the run's events and redraws it. Bytes move as workers report them (a few times a second per host)
 * and are settled by each host's result. Does nothing when the terminal shows no progress line (not a TTY,
 * --no-progress).
 */
export class ProgressMeter {
  private done = 0;
  private failed = 0;
  private unreachable = 0;
  /** put/get only: what the hosts that ended moved, and what the running ones have moved so far. */
  private bytes: number | undefined;
  private readonly moving = new Map<string, number>();
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly terminal: Terminal,
    private readonly total: number,
    transfer = false,
  ) {
    if (transfer) this.bytes = 0;
    if (!terminal.progress) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), TICK_MS);
    this.timer.unref();
  }

  onEvent(event: RunEvent): void {
    if (event.type === 'progress') {
      this.moving.set(event.host, event.bytes);
      return;
    }
    if (event.type !== 'end') return;
    this.done++;
    this.moving.delete(event.host);
    if (this.bytes !== undefined) this.bytes += event.result.transfer?.bytes ?? 0;
    const outcome = outcomeOf(event.result);
    if (outcome === 'failed') this.failed++;
    else if (outcome === 'unreachable') this.unreachable++;
    this.draw();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.terminal.stopProgress();
  }

  private draw(): void {
    this.terminal.progress?.update(
      renderProgress({
        done: this.done,
        total: this.total,
        failed: this.failed,
        unreachable: this.unreachable,
        elapsedMs: performance.now() - this.started,
        ...(this.bytes !== undefined ? { bytes: this.bytes + [...this.moving.values()].reduce((a, b) => a + b, 0) } : {}),
        width: this.terminal.columns,
      }),
    );
  }
}
