import { hostStyle, paint } from './ansi.js';
import type { StreamName } from '../../core/result.js';

/**
 * Streaming text output: every remote line becomes `host | line`, the host column padded to the widest
 * selected host so the output lines up as it interleaves across hosts.
 *
 * stderr lines carry `!` where stdout lines carry `|` (`web01 ! line`). The marker sits in the same column
 * and has the same width, so alignment holds, it survives a pipe or a log file where colour is gone, and
 * `grep ' ! '` finds the error lines. With colour the host name gets a stable per-host colour and the `!`
 * turns red; the line's own text is never recoloured.
 */

export const STDOUT_MARK = '|';
export const STDERR_MARK = '!';

export interface LineFormatterOptions {
  /** Every selected host, known before the run starts, so the column width never changes mid-stream. */
  hosts: readonly string[];
  color: boolean;
}

export interface LineFormatter {
  /** Width of the host column (the longest selected name). */
  readonly width: number;
  /** One output line, without a trailing newline. */
  format(host: string, stream: StreamName, line: string): string;
}

export function createLineFormatter(options: LineFormatterOptions): LineFormatter {
  const { color } = options;
  const width = options.hosts.reduce((max, h) => Math.max(max, h.length), 0);
  // Painted prefixes are cached: a busy run formats thousands of lines for a handful of hosts.
  const prefixes = new Map<string, string>();
  const prefix = (host: string, stream: StreamName): string => {
    const key = `${stream}\0${host}`;
    let p = prefixes.get(key);
    if (p === undefined) {
      // Pad outside the escape codes: padEnd counts characters, and escapes are invisible.
      const padding = ' '.repeat(Math.max(0, width - host.length));
      const mark = stream === 'stderr' ? paint(STDERR_MARK, 'red', color) : STDOUT_MARK;
      p = `${paint(host, hostStyle(host), color)}${padding} ${mark}`;
      prefixes.set(key, p);
    }
    return p;
  };
  return {
    width,
    // An empty line gets no trailing space after the marker.
    format: (host, stream, line) => (line === '' ? prefix(host, stream) : `${prefix(host, stream)} ${line}`),
  };
}
