import { AbortError, TimeoutError, toPlainError, type FleetError } from '../../core/errors.js';
import { notStartedError } from '../../core/not-started.js';
import type { TaskEnd } from '../transport/protocol.js';
import type { HostEntry } from './host-entry.js';
import type { PoolRunOptions } from './run-options.js';

/** How long cancelled hosts get to end their remote commands and remove temp files before we stop waiting. */
export const STOP_GRACE_MS = 2_500;

/** Calls `stop` on a cancel (the signal) or at the run's deadline; returns what unwires both. */
export function watchStops(options: Pick<PoolRunOptions, 'signal' | 'deadlineMs'>, stop: (reason: FleetError) => void): () => void {
  const { signal, deadlineMs } = options;
  const onAbort = () => stop(new AbortError('cancelled'));
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const deadline =
    deadlineMs === undefined
      ? undefined
      : setTimeout(() => stop(new TimeoutError(`run deadline of ${deadlineMs} ms reached`, { phase: 'run', timeoutMs: deadlineMs })), deadlineMs);
  return () => {
    if (deadline) clearTimeout(deadline);
    signal?.removeEventListener('abort', onAbort);
  };
}

/** Why the run stopped, as this host's error. */
export function stoppedError(entry: HostEntry, reason: FleetError): FleetError {
  const host = entry.builder.host;
  const message = `${host}: ${reason.message}`;
  if (reason.code !== 'TIMEOUT') return new AbortError(message, { host });
  // A host the deadline caught while connecting was never reached (unreachable, as a connect timeout is);
  // one that had begun its steps, or never left the queue, failed by running out of time.
  const connecting = entry.dispatchedAt !== undefined && !entry.stepped;
  return new TimeoutError(message, { host, ...reason.details, phase: connecting ? 'connect' : 'run' });
}

/** A host the stop caught before its end: one a cancel caught before it began was not started. */
export function unfinishedError(entry: HostEntry, reason: FleetError): FleetError {
  if (reason.code === 'TIMEOUT' || entry.announced) return stoppedError(entry, reason);
  return notStartedError(entry.builder.host, reason.message, AbortError);
}

/** A worker reports a cancelled host as ABORT; the run says why it cancelled (a cancel or the deadline). */
export function relabelStopped(entry: HostEntry, end: TaskEnd, stopping: FleetError | undefined): TaskEnd {
  return stopping && end.error?.code === 'ABORT' ? { ...end, error: toPlainError(stoppedError(entry, stopping)) } : end;
}
