import { createLineFormatter, formatBytes, formatDuration, formatFailures, formatGathered, formatSummary, type LineFormatter } from '../render/index.js';
import { type HostResult, type RunEvent } from '../../core/result.js';
import type { RunReport } from '../../core/report.js';
import type { Terminal } from '../terminal.js';
import type { CallKind, Sink } from './sink.js';

export interface TextSinkOptions {
  hosts: readonly string[];
  kind: CallKind;
  /** -b: print nothing while running (but progress), then the folded blocks. */
  gather: boolean;
}

/** The line a put/get/ping host gets when it ends well (exec hosts speak for themselves). */
export function describeDone(kind: CallKind, r: HostResult): string | undefined {
  const took = formatDuration(r.durationMs);
  if (kind === 'ping') return `ok · ${took}`;
  if (kind === 'exec' || !r.transfer) return undefined;
  const t = r.transfer;
  // `0 sent, 1 unchanged`: files skipped by --skip-unchanged are not counted as sent.
  const moved = `${t.files - t.skipped} ${kind === 'put' ? 'sent' : 'fetched'}`;
  const skipped = t.skipped > 0 ? `, ${t.skipped} unchanged` : '';
  return `${moved}${skipped}, ${formatBytes(t.bytes)} in ${took}`;
}

/**
 * `-o text`: remote stdout lines to stdout and remote stderr lines to stderr (as ssh and clush do), each as
 * `host | line` / `host ! line` with the host column aligned; at the end, on stderr, the hosts that failed
 * and the summary line.
 */
export class TextSink implements Sink {
  readonly wantsOutput: boolean;
  private readonly out: LineFormatter;
  private readonly err: LineFormatter;

  constructor(
    private readonly terminal: Terminal,
    private readonly options: TextSinkOptions,
  ) {
    this.wantsOutput = !options.gather;
    this.out = createLineFormatter({ hosts: options.hosts, color: terminal.colorOut });
    this.err = createLineFormatter({ hosts: options.hosts, color: terminal.colorErr });
  }

  onEvent(event: RunEvent): Promise<void> | undefined {
    if (this.options.gather) return undefined;
    if (event.type === 'output') {
      return event.stream === 'stdout'
        ? this.terminal.stdout(`${this.out.format(event.host, 'stdout', event.line)}\n`)
        : this.terminal.stderr(`${this.err.format(event.host, 'stderr', event.line)}\n`);
    }
    if (event.type === 'end' && event.result.ok) {
      const line = describeDone(this.options.kind, event.result);
      if (line !== undefined) return this.terminal.stdout(`${this.out.format(event.host, 'stdout', line)}\n`);
    }
    return undefined;
  }

  finish(report: RunReport, interrupted: boolean): void {
    const { terminal } = this;
    if (this.options.gather) void terminal.stdout(formatGathered(report.results, { color: terminal.colorOut }));
    void terminal.stderr(formatFailures(report.results, terminal.colorErr));
    if (interrupted) terminal.message('interrupted: hosts still running were cancelled');
    void terminal.stderr(`${formatSummary(report.summary, terminal.colorErr)}\n`);
  }
}
