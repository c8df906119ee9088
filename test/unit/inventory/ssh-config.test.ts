import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adhocInventory, parseInventory, withSshConfig, type HostConfig } from '../../../src/inventory/index.js';
import { OPTIONS, configError, yaml } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'fleet-sshcfg-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;

/** A home with ~/.ssh/config = `config` (and extra files under ~/.ssh); no system file. */
function homeWith(config: string, extra: Record<string, string> = {}): string {
  const home = join(root, `h${n++}`);
  mkdirSync(join(home, '.ssh', 'conf.d'), { recursive: true });
  writeFileSync(join(home, '.ssh', 'config'), config);
  for (const [name, text] of Object.entries(extra)) writeFileSync(join(home, '.ssh', name), text);
  return home;
}

function resolveHosts(config: string, spec: string, extra: Record<string, string> = {}): { hosts: HostConfig[]; jumpHosts: HostConfig[]; home: string } {
  const home = homeWith(config, extra);
  const inv = adhocInventory(spec, {}, { ...OPTIONS, home });
  const applied = withSshConfig(inv, { home, localUser: 'op', systemFile: join(root, 'none') });
  return { hosts: applied.inventory.hosts, jumpHosts: applied.jumpHosts, home };
}

const one = (config: string, name: string, extra?: Record<string, string>): HostConfig => resolveHosts(config, name, extra).hosts[0]!;

describe('ssh_config evaluation (OpenSSH rules)', () => {
  it('first value wins inside the file, so Host * goes last; IdentityFile accumulates', () => {
    const cfg = yaml('Host web01', '  User first', '  IdentityFile ~/.ssh/a', 'Host *', '  User later', '  Port 2200', '  IdentityFile ~/.ssh/b');
    const h = one(cfg, 'web01');
    expect(h).toMatchObject({ user: 'first', port: 2200 });
    expect(h.identityFile).toEqual([join(h.knownHosts, '..', 'a'), join(h.knownHosts, '..', 'b')]);
    expect(h.sources).toMatchObject({ user: { kind: 'ssh_config', at: '~/.ssh/config:2' }, port: { at: '~/.ssh/config:6' } });
  });

  it('globs and negation in Host: * and ? (exactly one character), !pattern rejects the line', () => {
    const cfg = yaml('Host web? !web9', '  User webby', 'Host *.prod', '  Port 2022');
    expect(one(cfg, 'web1').user).toBe('webby');
    expect(one(cfg, 'web').user).toBe('op');
    expect(one(cfg, 'web9').user).toBe('op');
    expect(one(cfg, 'db.prod').port).toBe(2022);
  });

  it('HostName with %h, IdentityFile with %d %u %h %r tokens', () => {
    const cfg = yaml('Host web01', '  HostName %h.example.com', '  User deploy', '  IdentityFile %d/keys/%u-%r@%h');
    const h = one(cfg, 'web01');
    expect(h.address).toBe('web01.example.com');
    expect(h.identityFile[0]).toMatch(/\/h\d+\/keys\/op-deploy@web01\.example\.com$/);
  });

  it('Match host (after HostName), originalhost, user, and negated criteria', () => {
    const cfg = yaml(
      'Host db',
      '  HostName 10.0.0.5',
      // A list of only negated patterns never matches (OpenSSH's match_pattern_list): `*,!root` is the idiom.
      'Match originalhost db user *,!root',
      '  Port 2001',
      'Match host 10.0.0.*',
      '  User matched',
      'Match user matched',
      '  ConnectTimeout 7',
    );
    const h = one(cfg, 'db');
    expect(h).toMatchObject({ address: '10.0.0.5', port: 2001, user: 'matched', connectTimeoutMs: 7000 });
    const root = resolveHosts(cfg, 'root@db').hosts[0]!;
    expect(root.port).toBe(22);
  });

  it('Include (relative to ~/.ssh, globs); an Include inside a Host block applies only to that host', () => {
    const cfg = yaml('Include conf.d/*.conf', 'Host special', '  Include inner', 'Host *', '  User fallback');
    const extra = { 'conf.d/a.conf': yaml('Host a', '  Port 1001'), 'conf.d/b.conf': yaml('Host b', '  Port 1002'), inner: yaml('Port 1003') };
    expect(one(cfg, 'a', extra).port).toBe(1001);
    expect(one(cfg, 'b', extra)).toMatchObject({ port: 1002, user: 'fallback' });
    expect(one(cfg, 'special', extra).port).toBe(1003);
    expect(one(cfg, 'other', extra).port).toBe(22);
  });

  it('StrictHostKeyChecking, UserKnownHostsFile, IdentitiesOnly, IdentityAgent, ServerAlive*, ForwardAgent', () => {
    const cfg = yaml(
      'Host a',
      '  StrictHostKeyChecking yes',
      '  UserKnownHostsFile ~/.ssh/kh_a',
      '  IdentitiesOnly yes',
      '  ServerAliveInterval 15',
      '  ServerAliveCountMax 2',
      '  ForwardAgent yes',
      'Host b',
      '  StrictHostKeyChecking no',
      '  IdentityAgent ~/agent.sock',
      'Host c',
      '  StrictHostKeyChecking accept-new',
      '  IdentityAgent none',
    );
    const a = one(cfg, 'a');
    expect(a).toMatchObject({ hostKeyPolicy: 'strict', agent: false, keepaliveIntervalMs: 15_000, keepaliveCountMax: 2, forwardAgent: true });
    expect(a.knownHosts).toMatch(/\.ssh\/kh_a$/);
    const b = one(cfg, 'b');
    expect(b).toMatchObject({ hostKeyPolicy: 'off', agent: true });
    expect(b.identityAgent).toMatch(/\/agent\.sock$/);
    expect(one(cfg, 'c')).toMatchObject({ hostKeyPolicy: 'accept-new', agent: false });
  });

  it('ProxyJump chains become jump hosts resolved through ssh_config; none cancels a jump', () => {
    const cfg = yaml('Host t', '  ProxyJump ops@j1:2201,j2', 'Host j2', '  HostName 10.9.9.2', 'Host direct', '  ProxyJump none', 'Host d*', '  ProxyJump j2');
    const { hosts, jumpHosts } = resolveHosts(cfg, 't,direct');
    expect(hosts[0]!.jump).toBe('j2');
    expect(hosts[1]!.jump).toBeUndefined();
    const j1 = jumpHosts.find((h) => h.name === 'j1')!;
    const j2 = jumpHosts.find((h) => h.name === 'j2')!;
    expect(j1).toMatchObject({ user: 'ops', port: 2201, address: 'j1' });
    expect(j1.jump).toBeUndefined();
    expect(j2).toMatchObject({ address: '10.9.9.2', jump: 'j1' });
  });

  it('a ProxyJump loop is an error naming file:line', () => {
    const home = homeWith(yaml('Host a', '  ProxyJump b', 'Host b', '  ProxyJump a'));
    configError(
      () => withSshConfig(adhocInventory('a', {}, { ...OPTIONS, home }), { home, localUser: 'op', systemFile: join(root, 'none') }),
      `${join(home, '.ssh', 'config')}:4: ProxyJump hosts form a loop: a → b → a — set ProxyJump none for one of them`,
    );
  });

  it('a bad value names file:line', () => {
    const home = homeWith(yaml('Host a', '  Port http'));
    configError(
      () => withSshConfig(adhocInventory('a', {}, { ...OPTIONS, home }), { home, localUser: 'op', systemFile: join(root, 'none') }),
      `${join(home, '.ssh', 'config')}:2: Port "http" must be a whole number from 1 to 65535`,
    );
  });

  it('the inventory wins over ssh_config; the lookup is by the address fleet dials', () => {
    const home = homeWith(yaml('Host 10.0.0.7', '  User from-config', '  Port 2222', 'Host web01', '  User never'));
    const inv = parseInventory(yaml('hosts:', '  web01: { address: 10.0.0.7, port: 22 }'), 'hosts.yaml', { ...OPTIONS, home });
    const h = withSshConfig(inv, { home, localUser: 'op', systemFile: join(root, 'none') }).inventory.hosts[0]!;
    expect(h).toMatchObject({ address: '10.0.0.7', port: 22, user: 'from-config' });
    expect(h.sources).toMatchObject({ port: { kind: 'inventory', at: 'hosts.yaml:2' }, user: { kind: 'ssh_config' } });
  });

  it('sshConfig: in the inventory replaces ~/.ssh/config; false reads none; -F (explicit) wins over both', () => {
    const home = homeWith(yaml('Host web01', '  Port 1111'));
    const other = join(home, 'other');
    writeFileSync(other, yaml('Host web01', '  Port 2222'));
    const inv = (key: string) => parseInventory(yaml(key, 'hosts:', '  web01:'), join(home, 'hosts.yaml'), { ...OPTIONS, home });
    const port = (i: ReturnType<typeof inv>, explicit?: string | false) =>
      withSshConfig(i, { home, localUser: 'op', systemFile: join(root, 'none'), ...(explicit !== undefined ? { explicit } : {}) }).inventory.hosts[0]!.port;
    expect(port(inv('sshConfig: ./other'))).toBe(2222);
    expect(port(inv('sshConfig: false'))).toBe(22);
    expect(port(inv('sshConfig: false'), other)).toBe(2222);
    expect(port(inv('sshConfig: ./other'), false)).toBe(22);
  });
});

describe('ssh_config: fleet resolves hosts as `ssh -G` does (OpenSSH itself, no connection)', () => {
  const home = homeWith('');
  const file = join(home, 'cfg');
  writeFileSync(join(home, 'inc.conf'), yaml('Host inc*', '  HostName 192.168.9.9', '  User incuser'));
  writeFileSync(
    file,
    yaml(
      `Include ${join(home, 'inc.conf')}`,
      'Host web? !web9',
      '  User webby',
      'Host *.prod db*',
      '  Port 2022',
      'Match originalhost db2',
      '  HostName 10.0.0.52',
      'Match host 10.0.0.* user *,!root',
      '  User matched',
      'Host jumped',
      '  ProxyJump ops@bastion:2200,db1',
      'Host *',
      '  User fallback',
      '  Port 2200',
    ),
  );
  const names = ['web1', 'web9', 'web', 'api.prod', 'db1', 'db2', 'jumped', 'inc1', 'other'];
  it.each(names)('%s', (name) => {
    const out = execFileSync('ssh', ['-G', '-F', file, name], { encoding: 'utf8', env: { ...process.env, HOME: home } });
    const ssh = Object.fromEntries(out.split('\n').map((l) => [l.slice(0, l.indexOf(' ')), l.slice(l.indexOf(' ') + 1)]));
    const inv = adhocInventory(name, {}, { ...OPTIONS, home });
    // `Match user` sees the local user until a User is set, in ssh as in fleet: give fleet ssh's local user.
    const { inventory } = withSshConfig(inv, { home, localUser: userInfo().username, explicit: file });
    const h = inventory.hosts[0]!;
    expect({ hostname: h.address, user: h.user, port: String(h.port) }).toEqual({ hostname: ssh.hostname, user: ssh.user, port: ssh.port });
    // fleet names the last hop; the chain before it lives on the hop hosts.
    expect(h.jump).toBe(ssh.proxyjump?.split(',').at(-1)?.replace(/^.*@/, '').replace(/:\d+$/, ''));
  });
});

describe('ssh_config: an inventory jump that names no inventory host', () => {
  it('is looked up in ssh_config like ssh -J bastion (HostName, User, Port); an inventory host is left alone', () => {
    const home = homeWith(yaml('Host bastion', '  HostName 10.9.0.1', '  Port 2201', 'Host *', '  User cfg'));
    const inv = parseInventory(
      yaml('hosts:', '  a: { jump: bastion }', '  b: { jump: ops@bastion }', '  c: { jump: a }', '  d: { jump: 10.1.1.1:22 }'),
      join(home, 'hosts.yaml'),
      { ...OPTIONS, home },
    );
    const hosts = withSshConfig(inv, { home, localUser: 'op', systemFile: join(root, 'none') }).inventory.hosts;
    expect(hosts.map((h) => h.jump)).toEqual(['cfg@10.9.0.1:2201', 'ops@10.9.0.1:2201', 'a', 'cfg@10.1.1.1:22']);
  });
});
