import type { PlainFleetError } from '../../core/errors.js';
import type { StreamName, TransferSummary } from '../../core/result.js';
import type { HostTask } from './task.js';

/**
 * The typed IPC protocol between the controller and its workers: what a worker is started with, then a
 * discriminated union each way, with a task id on every message about a task. Credentials travel only inside
 * `task` messages, never argv or env.
 */

/**
 * What a worker needs before its first task, fixed for its life. Nothing secret: a forked worker gets it in
 * argv (so the first task follows the fork without waiting for a reply), the inline one as an argument.
 */
export interface WorkerStart {
  /** Host tasks it runs at once. */
  slots: number;
  /** Output bytes it may have in flight before its hosts are slowed down (flow control, `credit`). */
  creditWindow: number;
  /**
   * Sessions it holds between tasks, at most (idle ones beyond are closed, least recently used first); 0: a
   * host's session closes when its task ends.
   */
  maxHeldSessions: number;
  /** A held session idle this long is closed; 0: held until shutdown. */
  sessionIdleMs: number;
  /** The command of a connection that starts its session guard (ssh/session-guard.ts); 0: the default. */
  guardFrom: number;
}

const START_FLAGS: Record<keyof WorkerStart, string> = {
  slots: '--slots=',
  creditWindow: '--credit-window=',
  maxHeldSessions: '--max-held-sessions=',
  sessionIdleMs: '--session-idle-ms=',
  guardFrom: '--guard-from=',
};

export function encodeWorkerStart(start: WorkerStart): string[] {
  return (Object.keys(START_FLAGS) as (keyof WorkerStart)[]).map((key) => `${START_FLAGS[key]}${start[key]}`);
}

/** The forked worker's side of encodeWorkerStart; a missing or malformed value is the controller's bug. */
export function decodeWorkerStart(argv: readonly string[]): WorkerStart {
  const value = (key: keyof WorkerStart): number => {
    const flag = START_FLAGS[key];
    const text = argv.find((arg) => arg.startsWith(flag))?.slice(flag.length);
    const number = Number(text);
    if (!text || !Number.isFinite(number) || number < 0) throw new Error(`worker start: expected ${flag}<number>, got ${text ?? 'nothing'}`);
    return number;
  };
  return {
    slots: value('slots'),
    creditWindow: value('creditWindow'),
    maxHeldSessions: value('maxHeldSessions'),
    sessionIdleMs: value('sessionIdleMs'),
    guardFrom: value('guardFrom'),
  };
}

/** Controller → worker. */
export type ToWorker =
  | { type: 'task'; id: number; task: HostTask }
  /** Stop a task: its remote command is ended and unfinished uploads remove their temp files. */
  | { type: 'cancel'; id: number }
  /** Output bytes the controller has consumed and the worker may send again (flow control). */
  | { type: 'credit'; bytes: number }
  /** Which sessions it holds now (for `fleet sessions`): answered by a `sessions` message with the same id. */
  | { type: 'sessions'; id: number }
  | { type: 'shutdown' };

/** One session a worker holds, as it answers a `sessions` query; times are epoch ms. No secrets. */
export interface HeldSessionInfo {
  host: string;
  user: string;
  address: string;
  port: number;
  /** The jump host it is forwarded through. */
  via?: string;
  openedAt: number;
  lastUsed: number;
  /** A task is using it now. */
  busy: boolean;
}

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
  | { type: 'sessions'; id: number; sessions: HeldSessionInfo[] }
  | { type: 'warning'; message: string };

export function isFromWorker(message: unknown): message is FromWorker {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}

export function isToWorker(message: unknown): message is ToWorker {
  return typeof message === 'object' && message !== null && typeof (message as { type?: unknown }).type === 'string';
}
