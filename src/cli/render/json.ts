import type { HostResult, RunEvent, RunSummary, StreamName, TransferSummary } from '../../core/result.js';

/**
 * `-o json` and `-o ndjson` (DESIGN.md §4). Objects are built field by field, never spread, so the field
 * order is fixed (consumers diff and grep these) and nothing the model grows later — or a FleetError's
 * cause, details or stack, which may hold paths, addresses or secrets — leaks into the output by accident.
 */

export interface JsonError {
  code: string;
  message: string;
}

export interface JsonHost {
  host: string;
  ok: boolean;
  exitCode: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Only when the per-host output cap was hit. */
  truncated?: true;
  /** Only when a stream was not valid UTF-8: which ones (their text has U+FFFD for the invalid bytes). */
  invalidUtf8?: StreamName[];
  /** Only for put/get runs. */
  transfer?: TransferSummary;
  error?: JsonError;
}

export interface JsonSummary {
  ok: number;
  failed: number;
  /** Of `failed`, the hosts whose command or transfer timed out. */
  timedOut: number;
  unreachable: number;
  skipped: number;
  hosts: number;
  durationMs: number;
}

export interface JsonReport {
  hosts: JsonHost[];
  summary: JsonSummary;
}

export type NdjsonEvent =
  | { type: 'start'; host: string; at: number }
  | { type: 'output'; host: string; stream: StreamName; line: string; at: number }
  | { type: 'progress'; host: string; bytes: number; at: number }
  | { type: 'end'; host: string; result: JsonHost; at: number }
  | { type: 'summary'; summary: JsonSummary; at: number };

export function toJsonHost(r: HostResult): JsonHost {
  const host: JsonHost = {
    host: r.host,
    ok: r.ok,
    exitCode: r.exitCode,
    signal: r.signal,
    stdout: r.stdout,
    stderr: r.stderr,
    durationMs: r.durationMs,
  };
  if (r.truncated) host.truncated = true;
  if (r.invalidUtf8?.length) host.invalidUtf8 = [...r.invalidUtf8];
  if (r.transfer) host.transfer = { files: r.transfer.files, skipped: r.transfer.skipped, bytes: r.transfer.bytes };
  if (r.error) host.error = { code: r.error.code, message: r.error.message };
  return host;
}

export function toJsonSummary(s: RunSummary): JsonSummary {
  return {
    ok: s.ok,
    failed: s.failed,
    timedOut: s.timedOut,
    unreachable: s.unreachable,
    skipped: s.skipped,
    hosts: s.hosts,
    durationMs: s.durationMs,
  };
}

/** The `-o json` document, hosts in the order given. */
export function toJsonReport(results: readonly HostResult[], summary: RunSummary): JsonReport {
  return { hosts: results.map(toJsonHost), summary: toJsonSummary(summary) };
}

/** The document as printed: two-space indented, ending in a newline. */
export function formatJsonReport(results: readonly HostResult[], summary: RunSummary): string {
  return `${JSON.stringify(toJsonReport(results, summary), null, 2)}\n`;
}

export function toNdjsonObject(event: RunEvent): NdjsonEvent {
  switch (event.type) {
    case 'start':
      return { type: 'start', host: event.host, at: event.at };
    case 'output':
      return { type: 'output', host: event.host, stream: event.stream, line: event.line, at: event.at };
    case 'progress':
      return { type: 'progress', host: event.host, bytes: event.bytes, at: event.at };
    case 'end':
      return { type: 'end', host: event.host, result: toJsonHost(event.result), at: event.at };
    case 'summary':
      return { type: 'summary', summary: toJsonSummary(event.summary), at: event.at };
  }
}

/**
 * One event as one line of JSON, without the newline. JSON.stringify escapes every newline inside strings,
 * so a line is always exactly one event however odd the remote output.
 */
export function toNdjsonEvent(event: RunEvent): string {
  return JSON.stringify(toNdjsonObject(event));
}
