import { readOpenFilesLimit } from './fd-limit.js';
import type { HostTarget, HostTask } from '../transport/task.js';

/**
 * File descriptors a controller or worker process holds before it runs a host: stdio, epoll, eventfds,
 * libuv's pipes. Measured 21-24 (`ls /proc/PID/fd` of an idle `fleet exec`, inline and with -w 2/-w 4);
 * the rest is margin for a file being closed while the next host opens its own.
 */
export const PROCESS_FDS = 32;

/**
 * Descriptors one running host holds in the process that runs it: per SSH connection (a jump host is one
 * more) its socket plus one file open at a time (known_hosts, its lock, a key); a transfer also has its
 * local file open.
 */
export function fdsPerHost(tasks: readonly HostTask[]): number {
  const chain = (t: HostTarget | undefined): number => (t ? 1 + chain(t.jump) : 0);
  let most = 2;
  for (const task of tasks) {
    const transfer = task.steps.some((s) => s.kind === 'put' || s.kind === 'get') ? 1 : 0;
    most = Math.max(most, 2 * chain(task.host) + transfer);
  }
  return most;
}

export interface FdBudget {
  /** The open-files limit of the controller; each forked worker inherits the same. */
  limit: number;
  /** Hosts at once, as asked. */
  forks: number;
  /** Forked workers; 0 when hosts run inside the controller. */
  workers: number;
  /** fdsPerHost, in whichever process runs the host. */
  perHost: number;
  /** Files the caller keeps open in the controller per running host (the CLI's --out-dir: 2). */
  callerPerHost: number;
}

/** Descriptors the busiest process needs to run `forks` hosts at once. */
export function fdsNeeded(b: FdBudget): number {
  if (b.workers === 0) return PROCESS_FDS + b.forks * (b.perHost + b.callerPerHost);
  const controller = PROCESS_FDS + b.workers + b.forks * b.callerPerHost;
  const worker = PROCESS_FDS + Math.ceil(b.forks / b.workers) * b.perHost;
  return Math.max(controller, worker);
}

/** The most hosts at once (≤ forks, ≥ 1) that fit the limit in the controller and in every worker. */
export function forksWithin(b: FdBudget): number {
  const room = b.limit - PROCESS_FDS;
  let most: number;
  if (b.workers === 0) most = Math.floor(room / (b.perHost + b.callerPerHost));
  else {
    most = b.workers * Math.floor(room / b.perHost);
    if (b.callerPerHost > 0) most = Math.min(most, Math.floor((room - b.workers) / b.callerPerHost));
  }
  return Math.max(1, Math.min(b.forks, most));
}

/** The one warning of a run whose --forks was lowered to fit the open-files limit. */
export function fdWarning(b: FdBudget, fitted: number): string {
  return (
    `the open-files limit (ulimit -n) is ${b.limit}: running at most ${fitted} hosts at once instead of ${b.forks}; ` +
    `to run ${b.forks} at once, raise it first, e.g. \`ulimit -n ${fdsNeeded(b)}\` (or lower -f to hide this warning)`
  );
}

/**
 * Forks fitted to this process's open-files limit (read once, when a pool starts): running out of
 * descriptors mid-run would fail hosts for a local reason (DESIGN.md §5: sessions are bounded by it).
 */
export function fitToOpenFiles(
  forks: number,
  workers: number,
  tasks: readonly HostTask[],
  callerPerHost: number,
  limit = readOpenFilesLimit(),
): { forks: number; warning?: string } {
  if (limit === undefined) return { forks };
  const budget: FdBudget = { limit, forks, workers, perHost: fdsPerHost(tasks), callerPerHost };
  const fitted = forksWithin(budget);
  return fitted < forks ? { forks: fitted, warning: fdWarning(budget, fitted) } : { forks };
}

/**
 * Sessions one process may hold between tasks, by default: what the open-files limit leaves once its running
 * hosts have theirs. A held idle session costs its socket; a running one what fdsPerHost says (already
 * counted by forksWithin), so the bound never takes descriptors a running host will need.
 */
export function heldSessionsWithin(slots: number, perHost: number, callerPerHost: number, limit = readOpenFilesLimit()): number {
  if (limit === undefined) return 4_096;
  return Math.max(slots, limit - PROCESS_FDS - slots * (perHost + callerPerHost - 1));
}
