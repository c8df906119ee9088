import { formatJsonReport, toNdjsonEvent } from '../render/index.js';
import { type RunEvent } from '../../core/result.js';
import type { RunReport } from '../../core/report.js';
import type { Terminal } from '../terminal.js';
import type { Sink } from './sink.js';

/** `-o json`: nothing while the run goes on, then exactly one document on stdout. */
export class JsonSink implements Sink {
  readonly wantsOutput = false;

  constructor(private readonly terminal: Terminal) {}

  onEvent(): undefined {
    return undefined;
  }

  finish(report: RunReport): void {
    void this.terminal.stdout(formatJsonReport(report.results, report.summary));
  }
}

/** `-o ndjson`: one event per line as it happens (start, output, end), then one summary event. */
export class NdjsonSink implements Sink {
  readonly wantsOutput = true;

  constructor(private readonly terminal: Terminal) {}

  onEvent(event: RunEvent): Promise<void> | undefined {
    return this.terminal.stdout(`${toNdjsonEvent(event)}\n`);
  }

  finish(report: RunReport): void {
    void this.terminal.stdout(`${toNdjsonEvent({ type: 'summary', summary: report.summary, at: Date.now() })}\n`);
  }
}
