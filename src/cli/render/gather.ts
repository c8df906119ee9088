import { foldHosts } from '../../core/host-ranges.js';
import { paint } from './ansi.js';
import { describeExit, splitLines, stripHostPrefix } from './host-message.js';
import type { HostResult } from '../../core/result.js';
import { STDERR_MARK } from './text-lines.js';

/**
 * `-b/--gather`, like clush -b: hosts that ended the same way with the same output are printed once, under
 * a header naming them all in folded form (`web[01-03,05] (4)`).
 *
 * "The same way" is stdout, stderr, exit code, signal, truncation and — for errors other than a command's
 * non-zero exit — the error code and message with its leading `host: ` removed. So unreachable hosts fold
 * together by message, and a timed-out host keeps whatever partial output it had beside its error.
 */

export interface GatherError {
  code: string;
  /** Without the leading `host: `. */
  message: string;
}

export interface GatherGroup {
  /** In input order. */
  hosts: string[];
  stdout: string;
  stderr: string;
  exitCode: number | null;
  signal: string | null;
  truncated: boolean;
  /** What stopped these hosts, when it was not just the command's exit status. */
  error?: GatherError;
}

/** clush's rule, 15 dashes whatever the header's length. */
export const GATHER_RULE = '-'.repeat(15);

function errorOf(result: HostResult): GatherError | undefined {
  const err = result.error;
  if (!err) return undefined;
  // A command's non-zero exit is already said by the exit code / signal in the header.
  if (err.code === 'COMMAND' && describeExit(result) !== '') return undefined;
  return { code: err.code, message: stripHostPrefix(err.message, result.host) };
}

/** Groups hosts with identical endings, groups in the order of their first host. */
export function gatherResults(results: readonly HostResult[]): GatherGroup[] {
  const groups = new Map<string, GatherGroup>();
  for (const r of results) {
    const error = errorOf(r);
    const key = JSON.stringify([r.stdout, r.stderr, r.exitCode, r.signal, r.truncated, error?.code, error?.message]);
    const found = groups.get(key);
    if (found) {
      found.hosts.push(r.host);
      continue;
    }
    const group: GatherGroup = {
      hosts: [r.host],
      stdout: r.stdout,
      stderr: r.stderr,
      exitCode: r.exitCode,
      signal: r.signal,
      truncated: r.truncated,
    };
    if (error) group.error = error;
    groups.set(key, group);
  }
  return [...groups.values()];
}

/** `web[01-03,05] (4)`, then ` · exit code 2`, ` · CONNECT: connection refused`, ` · output truncated` as apply. */
export function formatGatherHeader(group: GatherGroup, color: boolean): string {
  const notes: string[] = [];
  const exit = describeExit(group);
  if (exit) notes.push(paint(exit, 'red', color));
  if (group.error) notes.push(paint(`${group.error.code}: ${group.error.message}`, 'red', color));
  if (group.truncated) notes.push(paint('output truncated', 'yellow', color));
  const head = paint(`${foldHosts(group.hosts)} (${group.hosts.length})`, 'bold', color);
  return [head, ...notes].join(' · ');
}

/**
 * One block per group: rule, header, rule, then stdout's lines as they are and stderr's lines after them,
 * each behind `! ` (the same marker as the streaming output). Every line ends in a newline.
 */
export function formatGathered(results: readonly HostResult[], options: { color: boolean }): string {
  const { color } = options;
  const errMark = paint(STDERR_MARK, 'red', color);
  const out: string[] = [];
  for (const group of gatherResults(results)) {
    out.push(GATHER_RULE, formatGatherHeader(group, color), GATHER_RULE);
    out.push(...splitLines(group.stdout));
    for (const line of splitLines(group.stderr)) out.push(line === '' ? errMark : `${errMark} ${line}`);
  }
  return out.length === 0 ? '' : `${out.join('\n')}\n`;
}
