import type { FleetError, FleetErrorCode } from './errors.js';

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
  /** Output as text, capped per stream in UTF-8 bytes (maxOutputBytes); `truncated` says when the cap was hit. */
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
  /** The `fleet agent` that ran this host, in a run through a queue (--queue). */
  agent?: string;
}

/**
 * How a host ended, for the summary and exit code. Unreachable means the host was not reached: connect
 * failures and connect timeouts (CONNECT), auth and host-key refusals. A command or transfer that outlived
 * its timeout ran on a reached host, so TIMEOUT is a failure of that host, like a non-zero exit. Skipped
 * hosts never started (max-fail, fail-fast, a cancel before their batch).
 */
export type HostOutcome = 'ok' | 'failed' | 'unreachable' | 'skipped';

const UNREACHABLE: ReadonlySet<FleetErrorCode> = new Set(['CONNECT', 'AUTH', 'HOST_KEY']);

export function outcomeOf(result: HostResult): HostOutcome {
  if (result.ok) return 'ok';
  const error = result.error;
  if (!error) return 'failed';
  if (error.code === 'SKIPPED') return 'skipped';
  // The run's deadline reached a host still connecting: not reached, like a connect timeout.
  const connecting = error.code === 'TIMEOUT' && error.details.phase === 'connect';
  return UNREACHABLE.has(error.code) || connecting ? 'unreachable' : 'failed';
}

export interface RunSummary {
  ok: number;
  failed: number;
  /** Of `failed`: hosts whose command or transfer (or the run's deadline) timed out. */
  timedOut: number;
  unreachable: number;
  skipped: number;
  hosts: number;
  durationMs: number;
}

export function summarize(results: readonly HostResult[], durationMs: number): RunSummary {
  const summary: RunSummary = { ok: 0, failed: 0, timedOut: 0, unreachable: 0, skipped: 0, hosts: results.length, durationMs };
  for (const r of results) {
    const outcome = outcomeOf(r);
    summary[outcome]++;
    if (outcome === 'failed' && r.error?.code === 'TIMEOUT') summary.timedOut++;
  }
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
  /** put/get: what this host's transfers have moved so far (a few times a second); `end` has the total. */
  | { type: 'progress'; host: string; bytes: number; at: number }
  | { type: 'end'; host: string; result: HostResult; at: number }
  | { type: 'summary'; summary: RunSummary; at: number };
