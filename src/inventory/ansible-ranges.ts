import { ConfigError } from '../core/errors.js';
import { MAX_RANGE_HOSTS } from '../core/host-ranges.js';

/**
 * Ansible's own host range syntax, which differs from fleet's: `web[01:50]`, `db-[a:f]`, `web[0:10:2]`
 * (inclusive, optional stride). Kept apart from ranges.ts so fleet's syntax stays one thing.
 */

const BODY = /^(\d*|[a-zA-Z]):(\d+|[a-zA-Z])(?::(\d+))?$/;

function expandBody(body: string, whole: string): string[] {
  const bad = (why: string): ConfigError =>
    new ConfigError(`bad host range "[${body}]" in "${whole}": ${why}`);
  const match = BODY.exec(body);
  if (!match) throw bad('Ansible ranges look like [01:50], [a:f] or [0:10:2]');
  const [, from = '', to = '', stride = '1'] = match;
  const step = Number(stride);
  if (step < 1) throw bad('the step must be at least 1');
  const letters = /^[a-zA-Z]$/;
  if (letters.test(from) || letters.test(to)) {
    if (!letters.test(from) || !letters.test(to)) throw bad('a range is either letters or numbers');
    const out: string[] = [];
    for (let c = from.charCodeAt(0); c <= to.charCodeAt(0); c += step) out.push(String.fromCharCode(c));
    if (out.length === 0) throw bad(`${from}:${to} counts down — write ${to}:${from}`);
    return out;
  }
  const start = Number(from === '' ? '0' : from);
  const end = Number(to);
  if (end < start) throw bad(`${from}:${to} counts down — write ${to}:${from}`);
  const width = from.length > 1 && from.startsWith('0') ? from.length : 0;
  if (width > 0 && width !== to.length) throw bad('a zero-padded range needs both ends the same width');
  if ((end - start) / step >= MAX_RANGE_HOSTS) throw bad(`more than ${MAX_RANGE_HOSTS} names — split it`);
  const out: string[] = [];
  for (let n = start; n <= end; n += step) out.push(String(n).padStart(width, '0'));
  return out;
}

export function expandAnsibleHost(pattern: string): string[] {
  let names = [''];
  let rest = pattern;
  for (let open = rest.indexOf('['); open !== -1; open = rest.indexOf('[')) {
    const close = rest.indexOf(']', open);
    if (close === -1) throw new ConfigError(`bad host range in "${pattern}": "[" is never closed — add "]"`);
    const literal = rest.slice(0, open);
    const values = expandBody(rest.slice(open + 1, close), pattern);
    if (names.length * values.length > MAX_RANGE_HOSTS) {
      throw new ConfigError(`host range "${pattern}" expands to more than ${MAX_RANGE_HOSTS} names — split it`);
    }
    names = names.flatMap((n) => values.map((v) => n + literal + v));
    rest = rest.slice(close + 1);
  }
  return [...new Set(names.map((n) => n + rest))];
}

/** Ansible allows `host:port` as a host key; an IPv6 address has more than one colon and no port. */
export function splitAnsiblePort(key: string): { name: string; port?: number } {
  const bracketed = /^\[([^\]]*:[^\]]*)\](?::(\d+))?$/.exec(key);
  if (bracketed) return { name: bracketed[1] ?? key, ...(bracketed[2] ? { port: Number(bracketed[2]) } : {}) };
  const outside = key.replace(/\[[^\]]*\]/g, (m) => 'x'.repeat(m.length));
  const colon = outside.indexOf(':');
  if (colon === -1 || colon !== outside.lastIndexOf(':')) return { name: key };
  const port = key.slice(colon + 1);
  return /^\d+$/.test(port) ? { name: key.slice(0, colon), port: Number(port) } : { name: key };
}
