import { ConfigError } from './errors.js';

/**
 * Durations as operators write them on the command line and in YAML: `500ms`, `10s`, `2m`, `1h`, compounds such
 * as `1m30s`, and a bare number meaning seconds (as in `ssh -o ConnectTimeout=10`).
 */

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/y;

export const DURATION_HINT = 'a duration like 500ms, 10s, 2m or 1h (a bare number means seconds)';

/** Milliseconds, or undefined when the input is not a duration. */
export function tryParseDuration(input: string | number): number | undefined {
  if (typeof input === 'number') return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : undefined;
  const text = input.trim();
  if (/^(\d+(\.\d+)?|\.\d+)$/.test(text)) return Math.round(Number(text) * 1000);
  if (text === '') return undefined;
  let total = 0;
  PART.lastIndex = 0;
  while (PART.lastIndex < text.length) {
    const match = PART.exec(text);
    if (!match) return undefined;
    total += Number(match[1]) * (UNIT_MS[match[2] ?? ''] ?? Number.NaN);
  }
  return Number.isFinite(total) ? Math.round(total) : undefined;
}

/** Milliseconds; throws a ConfigError that says what a duration looks like. */
export function parseDuration(input: string | number): number {
  const ms = tryParseDuration(input);
  if (ms === undefined) throw new ConfigError(`bad duration ${JSON.stringify(String(input))}: use ${DURATION_HINT}`);
  return ms;
}
