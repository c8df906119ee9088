import { ProgressLine } from './render/index.js';
import { writeOrWait } from './drain.js';
import { WriteBatch } from './write-batch.js';

/**
 * The CLI's two output streams and the one redrawable progress line under them. Every write goes through
 * here, so the progress line is always erased before a line is written and drawn again after it
 * (ProgressLine.around), whichever stream the line goes to.
 */

export interface TerminalOptions {
  /** --color / --no-color; undefined: decide from the stream and the environment. */
  color?: boolean;
  /** --no-progress gives false. */
  progress: boolean;
}

type Stream = NodeJS.WriteStream;


/** --color/--no-color win; then NO_COLOR (any non-empty value, no-color.org) and TERM=dumb; then: a TTY? */
export function colorFor(stream: Stream, flag: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  if (flag !== undefined) return flag;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.TERM === 'dumb') return false;
  return stream.isTTY === true;
}

export class Terminal {
  readonly colorOut: boolean;
  readonly colorErr: boolean;
  readonly progress: ProgressLine | undefined;
  /** stdout went away (`fleet exec … | head`): nothing more is written to it. */
  stdoutClosed = false;
  private onStdoutClosed: (() => void) | undefined;
  private readonly batch = new WriteBatch((stream, text) => this.print(stream as Stream, text));

  constructor(
    options: TerminalOptions,
    private readonly out: Stream = process.stdout,
    private readonly err: Stream = process.stderr,
  ) {
    this.colorOut = colorFor(out, options.color);
    this.colorErr = colorFor(err, options.color);
    const live = options.progress && err.isTTY === true && process.env.TERM !== 'dumb';
    this.progress = live ? new ProgressLine((s) => void err.write(s)) : undefined;
    // Any other error on stdout is left to main's listener (broken-pipe.ts), which does not swallow it.
    out.on('error', (e: NodeJS.ErrnoException) => {
      if (e.code !== 'EPIPE' || this.stdoutClosed) return;
      this.stdoutClosed = true;
      this.batch.drop(out);
      this.onStdoutClosed?.();
    });
  }

  /** Terminal width for the progress line (one column spare, see renderProgress). */
  get columns(): number {
    return Math.max(20, (this.err.columns ?? 80) - 1);
  }

  whenStdoutClosed(handler: () => void): void {
    this.onStdoutClosed = handler;
  }

  /** Writes to stdout; the promise, when there is one, settles once the stream wants more. */
  stdout(text: string): Promise<void> | undefined {
    if (this.stdoutClosed || text === '') return undefined;
    return this.batch.write(this.out, text);
  }

  stderr(text: string): Promise<void> | undefined {
    if (text === '') return undefined;
    return this.batch.write(this.err, text);
  }

  /** `fleet: message` on stderr. */
  message(text: string): void {
    void this.stderr(`fleet: ${text}\n`);
  }

  /** Erases the progress line for good (before the summary). */
  stopProgress(): void {
    this.progress?.stop();
  }

  /** Resolves once both streams have handed everything to the OS. */
  async flush(): Promise<void> {
    void this.batch.send();
    const drained = (s: Stream) => new Promise<void>((resolve) => (s.writableLength === 0 ? resolve() : s.write('', () => resolve())));
    await Promise.all([this.stdoutClosed ? undefined : drained(this.out), drained(this.err)]);
  }

  private print(stream: Stream, text: string): Promise<void> | undefined {
    let wait: Promise<void> | undefined;
    const print = () => {
      wait = writeOrWait(stream, text);
    };
    if (this.progress) this.progress.around(print);
    else print();
    return wait;
  }
}
