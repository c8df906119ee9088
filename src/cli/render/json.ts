import type { HostResult, RunEvent, RunSummary, StreamName, TransferSummary } from '../../core/result.js';

/**
 * `-o json` and `-o ndjson` (DESIGN.md §4). Objects are built from the field lists below, never spread, so
 * the field order is fixed (consumers diff and grep these) and nothing the model grows later — or a
 * FleetError's cause, details or stack, which may hold paths, addresses or secrets — leaks into the output
 * by accident.
 */

export interface JsonError {
  code: string;
  message: string;
}

/** The HostResult fields JSON carries as they are, in the order printed. */
const HOST_FIELDS = ['host', 'ok', 'exitCode', 'signal', 'stdout', 'stderr', 'durationMs'] as const;

/** The fields JSON reshapes (below) or leaves out: `worker` is a pid for diagnostics, not part of a report. */
type ReshapedHostField = 'truncated' | 'invalidUtf8' | 'transfer' | 'error' | 'worker' | 'agent';

/** The TransferSummary fields, in the order printed: all of them. */
const TRANSFER_FIELDS = ['files', 'skipped', 'bytes'] as const;

/** The RunSummary fields, in the order printed: all of them. */
const SUMMARY_FIELDS = ['ok', 'failed', 'timedOut', 'unreachable', 'skipped', 'hosts', 'durationMs'] as const;

/**
 * Fails to compile ("Property 'x' is missing") when a core type grows a field the lists above do not place:
 * a new field is a choice about the JSON output, made here, not one forgotten.
 */
type Unplaced<T, Placed> = Exclude<keyof T, Placed>;
const everyFieldPlaced: Record<
  | Unplaced<HostResult, (typeof HOST_FIELDS)[number] | ReshapedHostField>
  | Unplaced<RunSummary, (typeof SUMMARY_FIELDS)[number]>
  | Unplaced<TransferSummary, (typeof TRANSFER_FIELDS)[number]>,
  never
> = {};
void everyFieldPlaced;

export type JsonHost = Pick<HostResult, (typeof HOST_FIELDS)[number]> & {
  /** Only when the per-host output cap was hit. */
  truncated?: true;
  /** Only when a stream was not valid UTF-8: which ones (their text has U+FFFD for the invalid bytes). */
  invalidUtf8?: StreamName[];
  /** Only for put/get runs. */
  transfer?: TransferSummary;
  error?: JsonError;
  /** Only in a run through a queue (--queue): the agent that ran the host. */
  agent?: string;
};

export type JsonSummary = Pick<RunSummary, (typeof SUMMARY_FIELDS)[number]>;

/** A copy of `from` with exactly `keys`, in their order. */
function pick<T, K extends keyof T>(from: T, keys: readonly K[]): Pick<T, K> {
  const to = {} as Pick<T, K>;
  for (const key of keys) to[key] = from[key];
  return to;
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
  const host: JsonHost = pick(r, HOST_FIELDS);
  if (r.truncated) host.truncated = true;
  if (r.invalidUtf8?.length) host.invalidUtf8 = [...r.invalidUtf8];
  if (r.transfer) host.transfer = pick(r.transfer, TRANSFER_FIELDS);
  if (r.error) host.error = { code: r.error.code, message: r.error.message };
  if (r.agent !== undefined) host.agent = r.agent;
  return host;
}

export function toJsonSummary(s: RunSummary): JsonSummary {
  return pick(s, SUMMARY_FIELDS);
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
