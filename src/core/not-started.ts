import { AbortError, SkippedError, type FleetError } from './errors.js';
import type { HostResult } from './result.js';

/**
 * `web03: not started: <why>`, the error of a host whose steps never began: SKIPPED when the run chose not
 * to start it (max-fail, fail-fast, a cancel before its batch), ABORT when a cancel emptied the queue.
 */
export function notStartedError(host: string, why: string, as: typeof SkippedError | typeof AbortError = SkippedError): FleetError {
  return new as(`${host}: not started: ${why}`, { host });
}

/** The result of a host whose steps never began: no output, no exit status, and `error` says why. */
export function notStartedResult(host: string, error: FleetError, durationMs = 0): HostResult {
  return { host, ok: false, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs, error };
}
