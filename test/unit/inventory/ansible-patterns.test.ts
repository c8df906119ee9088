import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts, splitPattern } from '../../../src/inventory/index.js';
import { OPTIONS, fixture } from './helpers.js';

/**
 * fleet's selection against what real Ansible selected (`ansible -i patterns.ini PATTERN --list-hosts`, written
 * by scripts/ansible-patterns.py into the fixture): same hosts, same order, for 50 random valid patterns.
 */
interface Case {
  pattern: string;
  hosts: string[];
}

const expected = JSON.parse(readFileSync(fixture('ansible-patterns.json'), 'utf8')) as { ansible: string; patterns: Case[] };

describe(`selection agrees with ${expected.ansible}`, async () => {
  const inv = await loadInventory(fixture('ini/patterns.ini'), OPTIONS);
  it('the fixture holds 50 patterns, some with ~regex, subscripts, & and !', () => {
    expect(expected.patterns).toHaveLength(50);
    const all = expected.patterns.map((c) => c.pattern).join(' ');
    for (const feature of ['~', '[-1]', '&', '!', ':', ',']) expect(all).toContain(feature);
    expect(all).toMatch(/\[\d+:\d*\]/);
  });
  // Where the evaluation starts from `all` (written, implied by a pattern of only & and ! terms, or taken by a
  // glob or regex such as `*a*`), Ansible lists ungrouped hosts first and then walks the top-level groups;
  // fleet keeps `all` in inventory order. Same hosts, and in that case inventory order.
  const plain = (pattern: string) => splitPattern(pattern).filter((t) => !/^[!&]/.test(t));
  const startsFromAll = (pattern: string) => {
    const terms = plain(pattern);
    return terms.length === 0 || terms.some((t) => t === 'all' || (t.startsWith('~') ? new RegExp(`^(?:${t.slice(1)})`).test('all') : /[*?]/.test(t) && new RegExp(`^${t.replace(/\*/g, '.*').replace(/\?/g, '.')}$`).test('all')));
  };
  const inventoryOrder = (names: string[]) => inv.hosts.map((h) => h.name).filter((n) => names.includes(n));
  it.each(expected.patterns)('$pattern', ({ pattern, hosts }) => {
    const got = selectHosts(inv, pattern).map((h) => h.name);
    expect([...got].sort()).toEqual([...hosts].sort());
    expect(got).toEqual(startsFromAll(pattern) ? inventoryOrder(hosts) : hosts);
  });
  it('most of them also agree on the order; those that do not all start from `all`', () => {
    const differing = expected.patterns.filter((c) => selectHosts(inv, c.pattern).map((h) => h.name).join() !== c.hosts.join());
    expect(differing.every((c) => startsFromAll(c.pattern))).toBe(true);
    expect(differing.length).toBeLessThanOrEqual(6);
  });
});
