import type { PlainFleetError } from '../../core/errors.js';
import type { StreamName, TransferSummary } from '../../core/result.js';
import type { HostTask } from './task.js';

/**
 * The typed IPC protocol between the controller and its workers: a discriminated union each way, and a task
 * id on every message about a task. Credentials travel only inside `task` messages, never argv or env.
 */

/** Controller → worker. */
export type ToWorker =
  | { type: 'task'; id: number; task: HostTask }
  /** Stop a task: its remote command is ended and unfinished uploads remove their temp files. */
  | { type: 'cancel'; id: number }
  /** Output bytes the controller has consumed and the worker may send again (flow control). */
  | { type: 'credit'; bytes: number }
  | { type: 'shutdown' };

/** How a task ended, in plain data. Output was streamed before; it is not repeated here. */
export interface TaskEnd {
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  durationMs: number;
  /** A step ran (a command may have had effects): such a task is never silently re-run elsewhere. */
  started: boolean;
  /** pid of the worker process that ran the host. */
  worker?: number;
  error?: PlainFleetError;
  transfer?: TransferSummary;
}

/** Worker → controller. */
export type FromWorker =
  | { type: 'ready'; pid: number }
  | { type: 'start'; id: number }
  /** The first step began: from here on a crash must not re-run the host elsewhere (it may have had effects). */
  | { type: 'step'; id: number }
  /**
   * Raw bytes of a stream: whole lines (ending in \n) except at the end of a stream or when a line passed the
   * partial-line cap. Over fork IPC they travel in a lossless wire form (wire.ts).
   */
  | { type: 'output'; id: number; stream: StreamName; data: Buffer }
  /** put/get: bytes this task's transfers have moved so far, at most every PROGRESS_MS (the end says the total). */
  | { type: 'progress'; id: number; bytes: number }
  | { type: 'end'; id: number; end: TaskEnd }
  | { type: 'warning'; message: string };

export function isFromWorker(message: unknown): message is FromWorker {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}

export function isToWorker(message: unknown): message is ToWorker {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
