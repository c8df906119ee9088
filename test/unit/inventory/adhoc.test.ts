import { describe, expect, it } from 'vitest';
import { adhocInventory, parseAdhocHosts, selectHosts } from '../../../src/inventory/index.js';
import { OPTIONS, configError } from './helpers.js';

const brief = (spec: string): string[] => parseAdhocHosts(spec, {}, OPTIONS).map((h) => `${h.user}@${h.address}:${h.port} (${h.name})`);

describe('ad-hoc hosts (-H)', () => {
  it('parses user@host:port items with ranges; commas inside brackets belong to the range', () => {
    expect(brief('root@10.0.0.[1-3,5]:2222,web01')).toEqual([
      'root@10.0.0.1:2222 (10.0.0.1:2222)',
      'root@10.0.0.2:2222 (10.0.0.2:2222)',
      'root@10.0.0.3:2222 (10.0.0.3:2222)',
      'root@10.0.0.5:2222 (10.0.0.5:2222)',
      'op@web01:22 (web01)',
    ]);
  });

  it('fills every setting from the built-in defaults and the caller', () => {
    const [h] = parseAdhocHosts('web01', { user: 'deploy', identityFile: ['/k'], connectTimeoutMs: 3000, jump: undefined }, OPTIONS);
    expect(h).toEqual({
      name: 'web01',
      address: 'web01',
      port: 22,
      user: 'deploy',
      identityFile: ['/k'],
      agent: true,
      knownHosts: '/home/op/.ssh/known_hosts',
      hostKeyPolicy: 'accept-new',
      connectTimeoutMs: 3000,
      groups: [],
      sources: { user: { kind: 'cli', at: '-u' } },
    });
  });

  it('ranges ports, so several sshd on one address are distinct hosts', () => {
    expect(brief('127.0.0.1:[2201-2202]')).toEqual(['op@127.0.0.1:2201 (127.0.0.1:2201)', 'op@127.0.0.1:2202 (127.0.0.1:2202)']);
  });

  it('handles IPv6, spaces and repeats', () => {
    expect(brief(' [::1]:2200 , fe80::1, a@[2001:db8::5], web01,web01')).toEqual([
      'op@::1:2200 ([::1]:2200)',
      'op@fe80::1:22 (fe80::1)',
      'a@2001:db8::5:22 (2001:db8::5)',
      'op@web01:22 (web01)',
    ]);
  });

  it('rejects bad items with the fix', () => {
    configError(() => brief('@web01'), '-H "@web01": empty user before "@" — write user@host or just host');
    configError(() => brief('root@:22'), '-H "root@:22": empty host name — write [user@]host[:port]');
    configError(() => brief('web01:ssh'), '-H "web01:ssh": port "ssh" must be a whole number from 1 to 65535');
    configError(() => brief('web01:70000'), '-H "web01:70000": port "70000" must be a whole number from 1 to 65535');
    configError(() => brief('a:b:c'), '-H "a:b:c": write [user@]host[:port]; put an IPv6 address with a port in brackets: [::1]:22');
    configError(() => brief('web[3-1]'), '-H "web[3-1]": bad host range "[3-1]" in "web[3-1]": 3-1 counts down — write 1-3');
    configError(() => brief(' , '), '-H " , " names no hosts — write [user@]host[:port], comma separated');
  });

  it('makes an inventory that selection works on', () => {
    const inv = adhocInventory('web[01-04]', {}, OPTIONS);
    expect(selectHosts(inv, 'all:!web02').map((h) => h.name)).toEqual(['web01', 'web03', 'web04']);
  });
});
