import { parseKnownHosts, type ParsedKnownHosts } from './known-hosts.js';

interface Cached {
  text: string;
  lines: number;
  parsed: ParsedKnownHosts;
}

const cache = new Map<string, Cached>();

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/**
 * The parse of a known_hosts file's current text, reused while the text is unchanged. Every connection reads
 * the file (another process may have appended), but parsing 1,000 lines costs ~2.5 ms: per host that is
 * seconds of CPU for a big fleet. When the file only grew (accept-new appends), just the new tail is parsed.
 */
export function parsedKnownHosts(file: string, text: string): ParsedKnownHosts {
  const hit = cache.get(file);
  if (hit?.text === text) return hit.parsed;
  let entry: Cached;
  if (hit && hit.text.endsWith('\n') && text.startsWith(hit.text)) {
    const tail = parseKnownHosts(text.slice(hit.text.length));
    const shift = (line: number) => line + hit.lines;
    entry = {
      text,
      lines: hit.lines + countLines(text.slice(hit.text.length)),
      parsed: {
        entries: [...hit.parsed.entries, ...tail.entries.map((e) => ({ ...e, line: shift(e.line) }))],
        invalid: [...hit.parsed.invalid, ...tail.invalid.map((e) => ({ ...e, line: shift(e.line) }))],
      },
    };
  } else {
    entry = { text, lines: countLines(text), parsed: parseKnownHosts(text) };
  }
  cache.set(file, entry);
  return entry.parsed;
}
