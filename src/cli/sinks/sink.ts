import type { RunEvent } from '../../core/result.js';
import type { RunReport } from '../../core/report.js';

/** What a command did on each host, for the per-host line of put/get/ping in text output. */
export type CallKind = 'exec' | 'put' | 'get' | 'ping';

/**
 * One output format (-o text|json|ndjson). `onEvent` sees every event as it happens and may return a
 * promise to slow the run down while the output stream is behind; `finish` writes what comes at the end.
 */
export interface Sink {
  /** It prints `output` events as they come; when false the run sends none (the results keep the output). */
  readonly wantsOutput: boolean;
  onEvent(event: RunEvent): Promise<void> | undefined;
  finish(report: RunReport, interrupted: boolean): void;
}
