import { ConfigError } from './errors.js';

/**
 * Durations, read here for every caller: `500ms`, `10s`, `2m`, `1h` and compounds such as `1m30s`.
 *
 * What a bare number means depends on who wrote it, and both conventions are kept on purpose:
 * - `bareNumber: 'seconds'`, for what operators write: CLI flags (`-t 10`) and inventory YAML
 *   (`connectTimeout: 10`) read a number as seconds, as `ssh -o ConnectTimeout=10` does.
 * - `bareNumber: 'ms'`, for the library (FleetOptions, CallOptions): a number value is milliseconds, as
 *   setTimeout takes it (`timeout: 30_000`), taken as it is; what a caller does with 0 or less is its own
 *   business (the Fleet reads it as no limit).
 * Text without a unit (`'10'`) is seconds under both: it is written the way an operator writes it.
 */
export interface DurationReading {
  bareNumber: 'seconds' | 'ms';
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PART = /(\d+(?:\.\d+)?|\.\d+)(ms|s|m|h)/y;

export const DURATION_HINT = 'a duration like 500ms, 10s, 2m or 1h (a bare number means seconds)';

function numberMs(input: number, reading: DurationReading): number | undefined {
  if (reading.bareNumber === 'ms') return input;
  return Number.isFinite(input) && input >= 0 ? Math.round(input * 1000) : undefined;
}

function textMs(input: string): number | undefined {
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

/** Milliseconds, or undefined when the input is not a duration. */
export function tryParseDuration(input: string | number, reading: DurationReading): number | undefined {
  return typeof input === 'number' ? numberMs(input, reading) : textMs(input);
}

/** Milliseconds; throws a ConfigError that says what a duration looks like. */
export function parseDuration(input: string | number, reading: DurationReading): number {
  const ms = tryParseDuration(input, reading);
  if (ms === undefined) throw new ConfigError(`bad duration ${JSON.stringify(String(input))}: use ${DURATION_HINT}`);
  return ms;
}
