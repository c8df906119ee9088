import { fromPlainError, toPlainError, type PlainFleetError } from '../core/errors.js';
import type { HostResult, RunEvent } from '../core/result.js';
import type { Step } from '../core/steps.js';
import type { Secret } from '../inventory/index.js';
import type { HostTarget } from '../runner/transport/task.js';
import type { GotFile } from './got-files.js';
import type { Payload } from './payloads.js';

/**
 * What crosses the queue. A target carries no secret: only where the agent finds it (`{ env }`, `{ file }`),
 * and whether to use its own ssh-agent; a literal (`{ value }`) only over a private connection (connection.ts).
 */
export interface QueuedTarget extends Omit<HostTarget, 'password' | 'passphrase' | 'agent' | 'defaultIdentityFiles' | 'jump'> {
  secrets: { password?: Secret; passphrase?: Secret };
  /** 'own': the agent's $SSH_AUTH_SOCK; a path: that socket on the agent's machine (IdentityAgent). */
  agent: 'own' | false | string;
  jump?: QueuedTarget;
}

export interface QueuedTask {
  host: QueuedTarget;
  steps: Step[];
  sudoPassword?: Secret;
}

export interface Batch {
  runId: string;
  tasks: QueuedTask[];
  /** Epoch ms by which the run ends (--deadline). */
  deadlineAt?: number;
  maxOutputBytes?: number;
  retry: number;
  /** put: the run's local files, each stored once in the Object Store (payloads.ts), by local path. */
  payloads?: Record<string, Payload>;
}

export interface Heartbeat {
  name: string;
  zone: string;
  at: number;
  /** Hosts running now, for --status. */
  running: number;
}

type WireResult = Omit<HostResult, 'error'> & { error?: PlainFleetError };

/**
 * One of the run's events as an agent publishes it, naming the agent: on `fleet.run.<id>.ev`, or an end into
 * the results stream (results.ts). Claims are not events: the submitter watches the claims bucket.
 */
export type WireEvent =
  | { type: 'start' | 'progress'; host: string; agent: string; at: number; bytes?: number }
  | { type: 'output'; host: string; agent: string; at: number; stream: 'stdout' | 'stderr'; line: string; base64: string }
  | { type: 'end'; host: string; agent: string; at: number; result: WireResult; files?: GotFile[] };

export function toWireEvent(e: RunEvent, agent: string): WireEvent | undefined {
  switch (e.type) {
    case 'start':
      return { type: 'start', host: e.host, agent, at: e.at };
    case 'progress':
      return { type: 'progress', host: e.host, agent, at: e.at, bytes: e.bytes };
    case 'output':
      return { type: 'output', host: e.host, agent, at: e.at, stream: e.stream, line: e.line, base64: e.bytes.toString('base64') };
    case 'end': {
      const { error, ...rest } = e.result;
      return { type: 'end', host: e.host, agent, at: e.at, result: { ...rest, agent, ...(error ? { error: toPlainError(error) } : {}) } };
    }
    default:
      return undefined;
  }
}

export function fromWireEvent(e: WireEvent): RunEvent {
  switch (e.type) {
    case 'start':
      return { type: 'start', host: e.host, at: e.at };
    case 'progress':
      return { type: 'progress', host: e.host, at: e.at, bytes: e.bytes ?? 0 };
    case 'output':
      return { type: 'output', host: e.host, at: e.at, stream: e.stream, line: e.line, bytes: Buffer.from(e.base64, 'base64') };
    case 'end': {
      const { error, worker: _worker, ...rest } = e.result;
      const result: HostResult = { ...rest, agent: e.agent, ...(error ? { error: fromPlainError(error) } : {}) };
      return { type: 'end', host: e.host, result, at: e.at };
    }
  }
}

export const encode = (value: unknown): Uint8Array => new TextEncoder().encode(JSON.stringify(value));
export const decode = <T>(data: Uint8Array): T => JSON.parse(new TextDecoder().decode(data)) as T;
