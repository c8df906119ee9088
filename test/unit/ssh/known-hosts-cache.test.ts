import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';
import { parsedKnownHosts } from '../../../src/ssh/known-hosts-cache.js';
import { parseKnownHosts } from '../../../src/ssh/known-hosts.js';

const line = (i: number) => `[127.0.9.${i}]:2222 ${ssh2.utils.generateKeyPairSync('ed25519').public.split(' ').slice(0, 2).join(' ')}\n`;

describe('known_hosts parse cache', () => {
  it('reuses the parse while the text is unchanged', () => {
    const text = line(1) + line(2);
    const first = parsedKnownHosts('/kh/a', text);
    expect(parsedKnownHosts('/kh/a', text)).toBe(first);
    expect(first).toEqual(parseKnownHosts(text));
  });

  it('after an append, equals a fresh parse — line numbers included', () => {
    const before = `# comment\n${line(1)}\n${line(2)}`;
    parsedKnownHosts('/kh/b', before);
    const after = `${before}garbage line\n${line(3)}${line(4)}`;
    const incremental = parsedKnownHosts('/kh/b', after);
    expect(incremental).toEqual(parseKnownHosts(after));
    expect(incremental.entries.map((e) => e.line)).toEqual([2, 4, 6, 7]);
    expect(incremental.invalid.map((e) => e.line)).toEqual([5]);
  });

  it('reparses fully when the file was rewritten rather than appended to', () => {
    parsedKnownHosts('/kh/c', line(1) + line(2));
    const rewritten = line(3);
    expect(parsedKnownHosts('/kh/c', rewritten)).toEqual(parseKnownHosts(rewritten));
  });

  it('keeps files apart', () => {
    const a = parsedKnownHosts('/kh/d1', line(1));
    const b = parsedKnownHosts('/kh/d2', line(2));
    expect(a.entries[0]!.key.equals(b.entries[0]!.key)).toBe(false);
  });
});
