import { fromPlainError, toPlainError, type PlainFleetError } from '../core/errors.js';
import type { HostResult, RunEvent } from '../core/result.js';
import type { PoolOptions } from '../runner/controller/pool.js';
import type { HeldSessionInfo } from '../runner/transport/protocol.js';
import type { HostTask } from '../runner/transport/task.js';
import { bytesFromWire, bytesToWire } from '../runner/transport/wire.js';
import type { WireLines } from './line-batches.js';

/**
 * What client and broker say over the socket: one JSON object per line. JSON keeps the frames readable and
 * needs no framing beyond '\n' (JSON.stringify never emits a raw newline). Output bytes travel as text when
 * valid UTF-8, else base64, as over fork IPC (runner/transport/wire.ts), and errors as plain data.
 */

/** The run options that cross the socket: the signal becomes `cancel` frames, callbacks become frames. */
export interface RemoteRunOptions {
  deadlineMs?: number;
  maxOutputBytes?: number;
  retry?: number;
  outputEvents?: boolean;
}

export type ToBroker =
  | { type: 'hello'; version: string }
  /** idleMs: the broker (and its held sessions) end after this long without runs. */
  | { type: 'run'; id: number; pool: PoolOptions; idleMs: number; tasks: HostTask[]; options: RemoteRunOptions }
  | { type: 'cancel'; id: number }
  | { type: 'sessions' }
  | { type: 'stop' }
  /** Asks for what a client remembered under `key` (memo.ts); answered with `recalled`. */
  | { type: 'recall'; key: string }
  | { type: 'remember'; key: string; value: unknown };

export type WireResult = Omit<HostResult, 'error'> & { error?: PlainFleetError };
type Output = Extract<RunEvent, { type: 'output' }>;
type End = Extract<RunEvent, { type: 'end' }>;
export type WireEvent =
  | Exclude<RunEvent, Output | End>
  | (Omit<Output, 'bytes'> & { text: string } | Omit<Output, 'bytes'> & { base64: string })
  | (Omit<End, 'result'> & { result: WireResult });

export type FromBroker =
  | { type: 'hello'; version: string; pid: number }
  | { type: 'event'; id: number; event: WireEvent }
  /** Output events of one host's stream in a row (line-batches.ts). */
  | ({ type: 'lines'; id: number } & WireLines)
  | { type: 'warning'; id: number; message: string }
  /** The run's end: the results of hosts whose end event did not carry theirs (normally none). */
  | { type: 'result'; id: number; results: WireResult[] }
  /** The run threw (a bug or a closed pool): the client rejects its call with this message. */
  | { type: 'failed'; id: number; message: string }
  | { type: 'sessions'; sessions: HeldSessionInfo[] }
  | { type: 'stopped' }
  | { type: 'recalled'; value?: unknown };

export function encodeFrame(frame: ToBroker | FromBroker): string {
  return `${JSON.stringify(frame)}\n`;
}

export function resultToWire(result: HostResult): WireResult {
  const { error, ...rest } = result;
  return error ? { ...rest, error: toPlainError(error) } : rest;
}

export function resultFromWire(wire: WireResult): HostResult {
  const { error, ...rest } = wire;
  return error ? { ...rest, error: fromPlainError(error) } : rest;
}

export function eventToWire(event: RunEvent): WireEvent {
  if (event.type === 'end') return { ...event, result: resultToWire(event.result) };
  if (event.type !== 'output') return event;
  const { bytes, ...rest } = event;
  return { ...rest, ...bytesToWire(bytes) };
}

export function eventFromWire(wire: WireEvent): RunEvent {
  if (wire.type === 'end') return { ...wire, result: resultFromWire(wire.result) };
  if (wire.type !== 'output') return wire;
  const [bytes, rest] = bytesFromWire(wire);
  return { ...(rest as Omit<Output, 'bytes'>), bytes };
}

/** Cuts a byte stream into frames; a chunk may end mid-line (or mid-character: decoding waits for '\n'). */
export class FrameReader<T> {
  private pending: Buffer[] = [];

  constructor(private readonly onFrame: (frame: T) => void) {}

  push(chunk: Buffer): void {
    let start = 0;
    for (let nl = chunk.indexOf(10); nl !== -1; nl = chunk.indexOf(10, start)) {
      const line = Buffer.concat([...this.pending, chunk.subarray(start, nl)]).toString('utf8');
      this.pending = [];
      start = nl + 1;
      if (line.trim() !== '') this.onFrame(JSON.parse(line) as T);
    }
    if (start < chunk.length) this.pending.push(chunk.subarray(start));
  }
}
