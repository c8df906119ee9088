import { paint } from './ansi.js';
import { formatDuration } from './duration.js';
import { describeExit, stripHostPrefix } from './host-message.js';
import { foldHosts } from '../../core/host-ranges.js';
import { outcomeOf, type HostResult, type RunSummary } from '../../core/result.js';

/**
 * The end of a text run (on stderr): the one-line summary, and before it the list of hosts that did not
 * make it, so an operator does not have to scroll back through interleaved output to find them.
 */

/**
 * `48 ok · 1 failed · 1 unreachable · 50 hosts in 1.21 s`. All three counts are always there, zeros too,
 * so the line has one shape to read and to grep; failed hosts that timed out are said so inside the failed
 * count (`2 failed (1 timed out)`). With colour, non-zero counts are green (ok) or red.
 * Hosts that never started add `· 12 skipped` after unreachable, only when there are some (a run without
 * batches never skips, and its line keeps the shape scripts already grep for).
 */
export function formatSummary(summary: RunSummary, color: boolean): string {
  const count = (n: number, label: string, style: 'green' | 'red'): string =>
    n > 0 ? paint(`${n} ${label}`, style, color) : `${n} ${label}`;
  const hosts = `${summary.hosts} ${summary.hosts === 1 ? 'host' : 'hosts'}`;
  return [
    count(summary.ok, 'ok', 'green'),
    count(summary.failed, summary.timedOut > 0 ? `failed (${summary.timedOut} timed out)` : 'failed', 'red'),
    count(summary.unreachable, 'unreachable', 'red'),
    ...(summary.skipped > 0 ? [paint(`${summary.skipped} skipped`, 'yellow', color)] : []),
    `${hosts} in ${formatDuration(summary.durationMs)}`,
  ].join(' · ');
}

interface FailureRow {
  host: string;
  code: string;
  message: string;
}

function failureRow(r: HostResult): FailureRow {
  if (r.error) return { host: r.host, code: r.error.code, message: stripHostPrefix(r.error.message, r.host) };
  // Not ok but no error should not happen; say what we know rather than print nothing.
  return { host: r.host, code: 'FAILED', message: describeExit(r) || 'failed' };
}

/**
 * One line per failed or unreachable host, in input order, as aligned columns: host, error code, message
 * (its `host: ` prefix dropped — the host is in the first column). A message spanning several lines keeps
 * its continuation lines under the message column. Every line ends in a newline; '' when all hosts are ok.
 */
export function formatFailures(results: readonly HostResult[], color: boolean): string {
  const rows = results.filter((r) => !r.ok && outcomeOf(r) !== 'skipped').map(failureRow);
  const skipped = skippedLine(results, color);
  if (rows.length === 0) return skipped;
  const hostWidth = Math.max(...rows.map((r) => r.host.length));
  const codeWidth = Math.max(...rows.map((r) => r.code.length));
  const indent = ' '.repeat(hostWidth + codeWidth + 4);
  const lines = rows.map((row) => {
    const [first = '', ...rest] = row.message.split('\n');
    const code = paint(row.code, 'red', color) + ' '.repeat(codeWidth - row.code.length);
    const host = paint(row.host, 'bold', color) + ' '.repeat(hostWidth - row.host.length);
    return [`${host}  ${code}  ${first}`, ...rest.map((l) => indent + l)].join('\n');
  });
  return `${lines.join('\n')}\n${skipped}`;
}

/**
 * Hosts that never started are one line, not one each (a max-fail stop may leave hundreds), folded:
 * `skipped: h[04-12] (9) — not started: more than 10% of a batch failed (max-fail)`.
 */
function skippedLine(results: readonly HostResult[], color: boolean): string {
  const skipped = results.filter((r) => outcomeOf(r) === 'skipped');
  if (skipped.length === 0) return '';
  const first = skipped[0]!;
  const why = first.error ? stripHostPrefix(first.error.message, first.host) : 'not started';
  return `${paint('skipped:', 'yellow', color)} ${foldHosts(skipped.map((r) => r.host))} (${skipped.length}) — ${why}\n`;
}
