import { ConfigError } from './errors.js';

/**
 * Host ranges in the clustershell/pdsh style: `web[01-12]`, `web[1-3,7,10-11]`, several brackets per name.
 * A start written with leading zeros fixes the width (`[08-12]` → 08 … 12); anything else is unpadded.
 */

/** Enough for any real fleet; stops a typo like `[1-100000000]` from exhausting memory. */
export const MAX_RANGE_HOSTS = 100_000;

const RANGE_BODY = /^\d+(?:-\d+)?(?:,\d+(?:-\d+)?)*$/;

/** True when the text contains at least one `[…]` that is range syntax. */
export function hasHostRange(text: string): boolean {
  for (const match of text.matchAll(/\[([^\]]*)\]/g)) if (RANGE_BODY.test(match[1] ?? '')) return true;
  return false;
}

const isPadded = (digits: string): boolean => digits.length > 1 && digits.startsWith('0');
const pad = (value: number, width: number): string => String(value).padStart(width, '0');

function expandBody(body: string, whole: string): string[] {
  if (!RANGE_BODY.test(body)) {
    throw new ConfigError(
      `bad host range "[${body}]" in "${whole}": write numbers and dashes such as [01-12] or [1-3,7]`,
    );
  }
  const out: string[] = [];
  for (const part of body.split(',')) {
    const [from = '', to = from] = part.split('-');
    const start = Number(from);
    const end = Number(to);
    if (end < start) throw new ConfigError(`bad host range "[${body}]" in "${whole}": ${part} counts down — write ${to}-${from}`);
    if (isPadded(to) && (!isPadded(from) || from.length !== to.length)) {
      throw new ConfigError(
        `bad host range "[${body}]" in "${whole}": ${part} mixes widths — pad both ends alike, e.g. ${pad(start, to.length)}-${to}`,
      );
    }
    if (end - start >= MAX_RANGE_HOSTS) throw tooMany(whole);
    const width = isPadded(from) ? from.length : 0;
    for (let n = start; n <= end; n++) out.push(pad(n, width));
  }
  return out;
}

function tooMany(whole: string): ConfigError {
  return new ConfigError(`host range "${whole}" expands to more than ${MAX_RANGE_HOSTS} names — split it`);
}

/** Expands every bracket; the first bracket varies slowest. Duplicates are dropped, first one kept. */
export function expandHostRange(pattern: string): string[] {
  let names = [''];
  let rest = pattern;
  while (rest.length > 0) {
    const open = rest.indexOf('[');
    const close = rest.indexOf(']');
    if (close !== -1 && (open === -1 || close < open)) {
      throw new ConfigError(`bad host range in "${pattern}": "]" without a matching "["`);
    }
    if (open === -1) {
      names = names.map((n) => n + rest);
      break;
    }
    if (close === -1) throw new ConfigError(`bad host range in "${pattern}": "[" is never closed — add "]"`);
    const literal = rest.slice(0, open);
    const values = expandBody(rest.slice(open + 1, close), pattern);
    if (names.length * values.length > MAX_RANGE_HOSTS) throw tooMany(pattern);
    names = names.flatMap((n) => values.map((v) => n + literal + v));
    rest = rest.slice(close + 1);
  }
  return [...new Set(names)];
}

// ---- folding: the reverse, for display -------------------------------------------------------------------

interface Run {
  start: number;
  end: number;
  /** 0 = unpadded. */
  width: number;
}

const byValue = (a: string, b: string): number => Number(a) - Number(b) || a.length - b.length;

/** Folds digit strings into the body of a bracket, keeping each one's exact spelling. */
function foldDigits(values: readonly string[]): string {
  const padded = new Map<number, number[]>();
  const natural = new Set<number>();
  for (const v of values) {
    if (isPadded(v)) padded.set(v.length, [...(padded.get(v.length) ?? []), Number(v)]);
    else natural.add(Number(v));
  }
  const runs: Run[] = [];
  const addRuns = (sorted: number[], width: number): void => {
    for (const n of sorted) {
      const last = runs.at(-1);
      if (last && last.width === width && last.end === n - 1) last.end = n;
      else runs.push({ start: n, end: n, width });
    }
  };
  for (const width of [...padded.keys()].sort((a, b) => a - b)) {
    const before = runs.length;
    addRuns([...(padded.get(width) ?? [])].sort((a, b) => a - b), width);
    // A padded run may continue into unpadded numbers that are already that wide: 08,09,10 is [08-10].
    for (const run of runs.slice(before)) {
      while (natural.has(run.end + 1) && String(run.end + 1).length >= width) natural.delete(++run.end);
    }
  }
  addRuns([...natural].sort((a, b) => a - b), 0);
  runs.sort((a, b) => a.start - b.start || a.width - b.width);
  return runs.map((r) => (r.end > r.start ? `${pad(r.start, r.width)}-${pad(r.end, r.width)}` : pad(r.start, r.width))).join(',');
}

interface Folded {
  texts: string[];
  dims: string[][];
}

/**
 * Folds names into the shortest range form, e.g. `web[01-03,05],db1`. Names are grouped by their non-digit
 * skeleton and folded one numeric run at a time from the last, so `rack[1-2]-node[1-3]` comes out whole when
 * every combination is present. Groups keep the order of their first name.
 */
export function foldHosts(names: Iterable<string>): string {
  let items: Folded[] = [...new Set(names)].map((name) => {
    const parts = name.split(/(\d+)/);
    return { texts: parts.filter((_, i) => i % 2 === 0), dims: parts.filter((_, i) => i % 2 === 1).map((d) => [d]) };
  });
  const maxDims = Math.max(0, ...items.map((i) => i.dims.length));
  for (let d = maxDims - 1; d >= 0; d--) {
    const merged = new Map<string, Folded>();
    for (const item of items) {
      const key = JSON.stringify([item.texts, item.dims.map((v, i) => (i === d ? null : v))]);
      const found = merged.get(key);
      const values = item.dims[d];
      if (found && values) {
        found.dims[d] = [...new Set([...(found.dims[d] ?? []), ...values])].sort(byValue);
      } else merged.set(key, { texts: item.texts, dims: [...item.dims] });
    }
    items = [...merged.values()];
  }
  return items
    .map(({ texts, dims }) =>
      texts.map((t, i) => {
        const dim = dims[i];
        if (!dim) return t;
        return t + (dim.length === 1 ? dim[0] : `[${foldDigits(dim)}]`);
      }).join(''),
    )
    .join(',');
}
