import { WorkerCrashError } from '../../core/errors.js';
import type { TaskEnd } from '../transport/protocol.js';
import type { WorkerExit } from '../transport/pool-worker.js';
import { unendedEnd, type HostEntry } from './host-entry.js';

/**
 * Which hosts run again. Never one whose steps began (a command may have had effects), never while the run
 * is stopping: a connect failure gets `retry` more attempts; a host a worker crash took gets one more.
 */
export function retriesAfterEnd(entry: HostEntry, end: TaskEnd, retry: number, stopping: boolean): boolean {
  return end.error?.code === 'CONNECT' && !end.started && !stopping && entry.attempts <= retry;
}

export function rerunsAfterCrash(entry: HostEntry, stopping: boolean): boolean {
  return !entry.stepped && entry.attempts < 2 && !stopping;
}

/** A host a crash took that cannot run again: WORKER_CRASH, and a warning that its command may have run. */
export function crashEnd(entry: HostEntry, exit: WorkerExit): TaskEnd {
  const host = entry.builder.host;
  const how = exit.signal ? `killed by ${exit.signal}` : `exited with code ${exit.code}`;
  const error = new WorkerCrashError(
    `${host}: the worker process running this host was ${how}; its command may or may not have finished — check the host before re-running`,
    { host },
  );
  return unendedEnd(entry, error, entry.stepped);
}
