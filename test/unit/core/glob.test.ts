import { describe, expect, it } from 'vitest';
import { globToRegExp, isGlob } from '../../../src/core/glob.js';

/** The translation ssh/known-hosts.ts had of its own before it used core/glob: the two must agree exactly. */
function knownHostsGlobBefore(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\*?]/g, (c) => (c === '*' ? '.*' : c === '?' ? '.' : `\\${c}`));
  return new RegExp(`^${body}$`);
}

const PATTERNS = ['web01', '*', 'web?', '*.example.com', '[10.1.*]:2222', '[web01]:22', '[::1]:2222', 'a+b', '(x)|y', '$^{}', 'back\\slash', '?'];
const HOSTS = ['web01', 'web1', 'web', 'x.example.com', 'example.com', '[10.1.2.3]:2222', '[10.1.2.3]:22', '10.1.2.3', '[web01]:22', '[::1]:2222', 'a+b', 'aab', '(x)|y', 'y', '$^{}', 'back\\slash', 'w', ''];

describe('globToRegExp', () => {
  it('knows only * and ?; brackets, dots and regex syntax are literal', () => {
    expect(globToRegExp('web?').test('web1')).toBe(true);
    expect(globToRegExp('web?').test('web12')).toBe(false);
    expect(globToRegExp('*.example.com').test('a.b.example.com')).toBe(true);
    expect(globToRegExp('*.example.com').test('xexample.com')).toBe(false);
    expect(globToRegExp('[10.1.*]:2222').test('[10.1.9.9]:2222')).toBe(true);
    expect(globToRegExp('[10.1.*]:2222').test('10.1.9.9')).toBe(false);
    expect(globToRegExp('[web01]:22').test('w')).toBe(false);
    expect(globToRegExp('a+b').test('aab')).toBe(false);
  });

  it('is anchored at both ends and case-sensitive (callers fold case)', () => {
    expect(globToRegExp('web').test('xweb')).toBe(false);
    expect(globToRegExp('web').test('webx')).toBe(false);
    expect(globToRegExp('web').test('WEB')).toBe(false);
  });

  it.each(PATTERNS)('matches %j exactly as known_hosts matching did', (pattern) => {
    const now = globToRegExp(pattern);
    const before = knownHostsGlobBefore(pattern);
    for (const host of HOSTS) expect(now.test(host), host).toBe(before.test(host));
  });

  it('isGlob sees * and ? only', () => {
    expect(isGlob('web*')).toBe(true);
    expect(isGlob('web?')).toBe(true);
    expect(isGlob('[web01]:2222')).toBe(false);
    expect(isGlob('!web01')).toBe(false);
  });
});
