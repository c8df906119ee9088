import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { jumpTarget, loadInventory } from '../../../src/inventory/index.js';
import type { HostConfig, Inventory } from '../../../src/inventory/index.js';
import { OPTIONS, configErrorAsync, fixture, parse, yaml } from './helpers.js';

const host = (inv: Inventory, name: string): HostConfig => {
  const found = inv.hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
};

describe('loading the fleet format', () => {
  it('fills built-in defaults and takes the address from the name', () => {
    const inv = parse(yaml('hosts:', '  lb1.example.com:'));
    expect(inv.hosts).toEqual([
      {
        name: 'lb1.example.com',
        address: 'lb1.example.com',
        port: 22,
        user: 'op',
        identityFile: [],
        agent: true,
        knownHosts: '/home/op/.ssh/known_hosts',
        hostKeyPolicy: 'accept-new',
        connectTimeoutMs: 10_000,
        groups: [],
        sources: {},
      },
    ]);
    expect(inv.file).toBe('hosts.yaml');
  });

  it('applies defaults < group vars < host', () => {
    const inv = parse(
      yaml(
        'defaults: { user: d, port: 1, connectTimeout: 1s }',
        'groups:',
        '  web:',
        '    vars: { user: g, port: 2 }',
        '    hosts:',
        '      web01:',
        '      web02: { port: 3 }',
      ),
    );
    expect(host(inv, 'web01')).toMatchObject({ user: 'g', port: 2, connectTimeoutMs: 1000 });
    expect(host(inv, 'web02')).toMatchObject({ user: 'g', port: 3, connectTimeoutMs: 1000 });
  });

  it('applies ancestors before descendants, even when the ancestor is written later', () => {
    const inv = parse(
      yaml(
        'groups:',
        '  child:',
        '    hosts: { h1: }',
        '    vars: { user: child }',
        '  parent:',
        '    children: [child]',
        '    vars: { user: parent, port: 2200 }',
      ),
    );
    expect(host(inv, 'h1')).toMatchObject({ user: 'child', port: 2200, groups: ['child', 'parent'] });
  });

  it('gives a host in two groups both, the later group winning', () => {
    const inv = parse(
      yaml(
        'groups:',
        '  first:',
        '    hosts: { h1: }',
        '    vars: { user: first, port: 2201 }',
        '  second:',
        '    hosts: { h1: }',
        '    vars: { user: second, agent: false }',
      ),
    );
    expect(host(inv, 'h1')).toMatchObject({ user: 'second', port: 2201, agent: false, groups: ['first', 'second'] });
  });

  it('nests children to any depth and lists members in inventory order', () => {
    const inv = parse(
      yaml(
        'hosts: { solo: }',
        'groups:',
        '  world: { children: [prod] }',
        '  prod: { children: [web, db] }',
        '  db: { hosts: { db1: } }',
        '  web: { hosts: { "web[1-2]": } }',
        '  empty:',
      ),
    );
    expect(inv.hosts.map((h) => h.name)).toEqual(['solo', 'db1', 'web1', 'web2']);
    expect([...inv.groups.keys()]).toEqual(['world', 'prod', 'db', 'web', 'empty']);
    expect(inv.groups.get('world')).toEqual({ name: 'world', hosts: ['db1', 'web1', 'web2'], children: ['prod'], own: [] });
    expect(inv.groups.get('empty')).toEqual({ name: 'empty', hosts: [], children: [], own: [] });
    expect(host(inv, 'web1').groups).toEqual(['world', 'prod', 'web']);
  });

  it('expands ranges with several brackets and keeps zero padding', () => {
    const inv = parse(yaml('hosts:', '  "rack[1-2]-node[01-02]": { port: 2222 }'));
    expect(inv.hosts.map((h) => `${h.name}:${h.port}`)).toEqual([
      'rack1-node01:2222',
      'rack1-node02:2222',
      'rack2-node01:2222',
      'rack2-node02:2222',
    ]);
  });

  it('accepts a host listed in several places when the settings agree or add up', () => {
    const inv = parse(
      yaml(
        'hosts:',
        '  web02: { port: 2222 }',
        'groups:',
        '  web:',
        '    hosts:',
        '      web[01-03]:',
        '      web02: { port: 2222, user: www }',
      ),
    );
    expect(inv.hosts.map((h) => h.name)).toEqual(['web02', 'web01', 'web03']);
    expect(host(inv, 'web02')).toMatchObject({ port: 2222, user: 'www', groups: ['web'] });
  });

  it('accepts hosts as a plain list of names', () => {
    const inv = parse(yaml('hosts: [a, "b[1-2]"]', 'groups:', '  g:', '    hosts: [a]'));
    expect(inv.hosts.map((h) => h.name)).toEqual(['a', 'b1', 'b2']);
    expect(inv.groups.get('g')?.hosts).toEqual(['a']);
  });

  it('reads secrets without resolving them', () => {
    const inv = parse(
      yaml(
        'defaults:',
        '  passphrase: { env: KEY_PASS }',
        'hosts:',
        '  a: { password: { file: ~/.secrets/a } }',
        '  b: { password: literal }',
        '  c: { password: { value: also-literal } }',
      ),
    );
    const at = (line: number, column: number) => ({ file: 'hosts.yaml', line, column });
    expect(host(inv, 'a').passphrase).toEqual({ env: 'KEY_PASS', at: at(2, 15) });
    expect(host(inv, 'a').password).toEqual({ file: '/home/op/.secrets/a', at: at(4, 18) });
    expect(host(inv, 'b').password).toEqual({ value: 'literal', at: at(5, 18) });
    expect(host(inv, 'c').password).toEqual({ value: 'also-literal', at: at(6, 18) });
  });

  it('parses every key', () => {
    const inv = parse(
      yaml(
        'hosts:',
        '  h:',
        '    address: 10.0.0.9',
        '    port: 2022',
        '    user: root',
        '    identityFile: [~/.ssh/a, /etc/b]',
        '    agent: false',
        '    knownHosts: /etc/ssh/known',
        '    hostKeyPolicy: strict',
        '    connectTimeout: 1m30s',
        '    jump: ops@bastion:2200',
      ),
    );
    expect(host(inv, 'h')).toEqual({
      name: 'h',
      address: '10.0.0.9',
      port: 2022,
      user: 'root',
      identityFile: ['/home/op/.ssh/a', '/etc/b'],
      agent: false,
      knownHosts: '/etc/ssh/known',
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 90_000,
      jump: 'ops@bastion:2200',
      groups: [],
      sources: expect.objectContaining({ address: { kind: 'inventory', at: 'hosts.yaml:3' } }),
    });
  });

  it('lets a host switch off an inherited jump with none', () => {
    const inv = parse(yaml('defaults: { jump: bastion }', 'hosts:', '  bastion: { jump: none }', '  web01:'));
    expect(host(inv, 'bastion').jump).toBeUndefined();
    expect(host(inv, 'web01').jump).toBe('bastion');
  });

  it('finds the inventory host a jump spec points at', () => {
    expect(['bastion', 'ops@bastion', 'ops@bastion:2200', '[fe80::1]:22', 'fe80::1'].map(jumpTarget)).toEqual([
      'bastion', 'bastion', 'bastion', 'fe80::1', 'fe80::1',
    ]);
  });

  it('follows YAML anchors and aliases', () => {
    const inv = parse(yaml('hosts:', '  a: &common { port: 2200, user: ops }', '  b: *common'));
    expect(host(inv, 'b')).toMatchObject({ port: 2200, user: 'ops' });
  });

  it('resolves relative paths against the inventory folder and ~ against home', async () => {
    const file = fixture('relative/hosts.yaml');
    const dir = path.dirname(file);
    const inv = await loadInventory(file, OPTIONS);
    expect(host(inv, 'app1')).toMatchObject({
      identityFile: [path.join(dir, 'keys/id_ed25519')],
      knownHosts: path.join(dir, 'known_hosts'),
      password: { file: path.join(dir, 'secrets/app1.pass') },
    });
    expect(host(inv, 'app2').identityFile).toEqual(['/home/op/.ssh/id_rsa', '/etc/fleet/key']);
    expect(inv.file).toBe(file);
  });

  it('reports a missing inventory file', async () => {
    await configErrorAsync(
      () => loadInventory('/nonexistent/hosts.yaml', OPTIONS),
      'inventory file /nonexistent/hosts.yaml not found — check the path given with -i or $FLEET_INVENTORY',
    );
  });

  it('loads inventory.example.yaml without error', async () => {
    const file = fileFromRoot('inventory.example.yaml');
    const inv = await loadInventory(file, OPTIONS);
    expect(inv.hosts.length).toBe(17);
    expect([...inv.groups.keys()]).toEqual(['web', 'db', 'prod', 'staging']);
    expect(host(inv, 'web99')).toMatchObject({ address: '10.0.0.99', port: 2222, user: 'www', jump: 'bastion.example.com' });
    expect(host(inv, 'bastion.example.com').jump).toBeUndefined();
    expect(host(inv, 'db2')).toMatchObject({ user: 'postgres', hostKeyPolicy: 'strict', connectTimeoutMs: 30_000 });
    expect(host(inv, 'web01.example.com').connectTimeoutMs).toBe(5000);
  });
});

function fileFromRoot(name: string): string {
  return path.resolve(path.dirname(fixture('x')), '../../..', name);
}
