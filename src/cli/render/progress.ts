import { formatBytes } from './bytes.js';
import { formatElapsed } from './duration.js';

/**
 * The live progress line the CLI shows on stderr when it is a TTY:
 * `[=====>     ] 12/50 · 1 failed · 0 unreachable · 3.2 s`, and for put/get `… · 3.2 s · 120 MiB · 37 MiB/s`.
 */

export interface ProgressState {
  done: number;
  total: number;
  failed: number;
  unreachable: number;
  elapsedMs: number;
  /** put/get: bytes moved so far (hosts that ended); shown with the rate over the elapsed time. */
  bytes?: number;
  /** Columns available. Pass the terminal's columns - 1: a line filling the last column leaves some
   *  terminals in a pending wrap, and the next `\r` then returns to the wrong row. */
  width: number;
}

/** The bar never grows past this: a 200-column bar says nothing a 30-column one does not. */
const MAX_BAR = 30;
/** Below this a bar is too coarse to be worth its columns; the numbers alone are shown. */
const MIN_BAR = 5;

function bar(done: number, total: number, inner: number): string {
  const ratio = total > 0 ? Math.min(1, Math.max(0, done / total)) : 0;
  if (ratio >= 1) return `[${'='.repeat(inner)}]`;
  const filled = Math.min(inner - 1, Math.floor(ratio * inner));
  return `[${'='.repeat(filled)}>${' '.repeat(inner - filled - 1)}]`;
}

/**
 * Fits the line to `width` by dropping, in turn, the bar, the elapsed time and the counts of failures, and
 * as a last resort cutting it. `done` is padded to the width of `total` so the line does not shift as the
 * count gains digits.
 */
export function renderProgress(state: ProgressState): string {
  const width = Math.max(0, Math.floor(state.width));
  const count = `${String(state.done).padStart(String(state.total).length)}/${state.total}`;
  const problems = `${count} · ${state.failed} failed · ${state.unreachable} unreachable`;
  const stats = `${problems} · ${formatElapsed(state.elapsedMs)}`;
  const rate = state.elapsedMs > 0 ? ((state.bytes ?? 0) * 1000) / state.elapsedMs : 0;
  const moved = state.bytes === undefined ? undefined : `${stats} · ${formatBytes(state.bytes)} · ${formatBytes(rate)}/s`;
  const full = moved ?? stats;
  const inner = Math.min(MAX_BAR, width - full.length - 3);
  if (inner >= MIN_BAR) return `${bar(state.done, state.total, inner)} ${full}`;
  for (const candidate of [moved, stats, problems, count]) if (candidate !== undefined && candidate.length <= width) return candidate;
  return count.slice(0, width);
}

/** Carriage return, then erase the whole line: leaves the cursor at column 0 of an empty line. */
export const CLEAR_LINE = '\r\x1b[2K';

/**
 * Keeps one redrawable line at the bottom of the terminal while output lines scroll above it. Output goes
 * through `around()`, which erases the progress line first (else the output would be appended to it) and
 * draws it again underneath afterwards. `write` is the progress stream (stderr); the output itself may go
 * to stdout — both reach the same terminal in order, since Node writes to a TTY synchronously.
 *
 *   const progress = new ProgressLine((s) => process.stderr.write(s));
 *   progress.update(renderProgress({ ...counts, width: columns - 1 }));
 *   progress.around(() => process.stdout.write(`${formatter.format(host, stream, line)}\n`));
 *   progress.stop(); // before the summary
 *
 * Only for a TTY: on a pipe the escapes would be garbage in the log.
 */
export class ProgressLine {
  readonly #write: (s: string) => void;
  #text = '';
  #shown = false;
  #stopped = false;

  constructor(write: (s: string) => void) {
    this.#write = write;
  }

  /** Replaces what the line shows. Text must fit the terminal (see renderProgress) or it wraps and garbles. */
  update(text: string): void {
    if (this.#stopped || (this.#shown && text === this.#text)) return;
    this.#text = text;
    this.#write(CLEAR_LINE + text);
    this.#shown = text !== '';
  }

  /** Runs `print` — which must write whole lines, ending in a newline — with the progress line out of the way. */
  around(print: () => void): void {
    this.clear();
    try {
      print();
    } finally {
      this.redraw();
    }
  }

  /** Erases the line if it is on screen. */
  clear(): void {
    if (!this.#shown) return;
    this.#write(CLEAR_LINE);
    this.#shown = false;
  }

  /** Draws the last text again after a clear(). */
  redraw(): void {
    if (this.#stopped || this.#shown || this.#text === '') return;
    this.#write(this.#text);
    this.#shown = true;
  }

  /** Erases the line for good: later updates and redraws do nothing. */
  stop(): void {
    this.clear();
    this.#stopped = true;
  }
}
