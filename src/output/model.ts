import type { FleetError, FleetErrorCode } from '../errors.js';

/**
 * The result model every layer above speaks: the runner produces it, the output formatters render it, the
 * Fleet API returns it. Plain data apart from `error`, which is a rebuilt FleetError.
 */

export type StreamName = 'stdout' | 'stderr';

export interface TransferSummary {
  files: number;
  skipped: number;
  bytes: number;
}

export interface HostResult {
  host: string;
  /** Every step ran and every command exited 0. */
  ok: boolean;
  /** Exit code of the last command that ran (null when none ran or it died by a signal). */
  exitCode: number | null;
  signal: string | null;
  /** Output as text, capped per host; `truncated` says when the cap was hit. */
  stdout: string;
  stderr: string;
  truncated: boolean;
  /**
   * Only when a stream's bytes were not valid UTF-8: which streams. Their text has U+FFFD in place of the
   * invalid bytes; the exact bytes are in the output events (`bytes`) and `--out-dir` files.
   */
  invalidUtf8?: StreamName[];
  durationMs: number;
  /** Why the host is not ok: CommandError for a non-zero exit, or what stopped it. */
  error?: FleetError;
  /** For put/get runs. */
  transfer?: TransferSummary;
  /** pid of the worker process that ran this host (diagnostics). */
  worker?: number;
}

/** How a host ended, for the summary and exit code: unreachable covers connect, auth, host key and timeouts. */
export type HostOutcome = 'ok' | 'failed' | 'unreachable';

const UNREACHABLE: ReadonlySet<FleetErrorCode> = new Set(['CONNECT', 'AUTH', 'HOST_KEY', 'TIMEOUT']);

export function outcomeOf(result: HostResult): HostOutcome {
  if (result.ok) return 'ok';
  return result.error && UNREACHABLE.has(result.error.code) ? 'unreachable' : 'failed';
}

export interface RunSummary {
  ok: number;
  failed: number;
  unreachable: number;
  hosts: number;
  durationMs: number;
}

export function summarize(results: readonly HostResult[], durationMs: number): RunSummary {
  const summary: RunSummary = { ok: 0, failed: 0, unreachable: 0, hosts: results.length, durationMs };
  for (const r of results) summary[outcomeOf(r)]++;
  return summary;
}

/**
 * What streams out of a run as it happens, in the order it happened for each host. An output event is one
 * line: `line` is its text without the newline, for display; `bytes` are its exact bytes, newline included
 * when there was one, so joining a stream's `bytes` gives back exactly what the host wrote. (A line longer
 * than 64 KiB comes as several events.)
 */
export type RunEvent =
  | { type: 'start'; host: string; at: number }
  | { type: 'output'; host: string; stream: StreamName; line: string; bytes: Buffer; at: number }
  | { type: 'end'; host: string; result: HostResult; at: number }
  | { type: 'summary'; summary: RunSummary; at: number };
