import { outcomeOf, renderProgress, type RunEvent } from '../output/index.js';
import type { Terminal } from './terminal.js';

/** How often the elapsed time on the progress line moves when no host ends. */
const TICK_MS = 200;

/**
 * Keeps the progress line's counts (done/total, failed, unreachable, elapsed) from the run's events and
 * redraws it. Does nothing when the terminal shows no progress line (not a TTY, --no-progress).
 */
export class ProgressMeter {
  private done = 0;
  private failed = 0;
  private unreachable = 0;
  private readonly started = performance.now();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly terminal: Terminal,
    private readonly total: number,
  ) {
    if (!terminal.progress) return;
    this.draw();
    this.timer = setInterval(() => this.draw(), TICK_MS);
    this.timer.unref();
  }

  onEvent(event: RunEvent): void {
    if (event.type !== 'end') return;
    this.done++;
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
        width: this.terminal.columns,
      }),
    );
  }
}
