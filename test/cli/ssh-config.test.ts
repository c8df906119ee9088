import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from '../bench/hosts.js';
import { assertBuilt, closeCliBench, runCli, sleep, summaryOf, tempDir } from './support.js';

/**
 * What an operator already has in ~/.ssh: a temporary HOME per test with its own .ssh/config and default key,
 * given to the CLI child process as $HOME, against real sshd. No agent unless the test starts one.
 */
describe('fleet CLI reads ~/.ssh/config like ssh does', () => {
  let bench: Bench;
  const noAgent = { SSH_AUTH_SOCK: '' };

  beforeAll(async () => {
    assertBuilt();
    // DEBUG1 makes sshd log the direct-tcpip requests of a jump host.
    bench = await startBench(3, { sshdOptions: ['LogLevel DEBUG1'] });
  });
  afterAll(() => closeCliBench(bench));

  /** A HOME whose ~/.ssh holds `config` and, unless told otherwise, the bench key as id_ed25519. */
  function home(config: string, options: { defaultKey?: boolean } = {}): string {
    const dir = tempDir('fleet-home-');
    mkdirSync(join(dir, '.ssh'), { mode: 0o700 });
    writeFileSync(join(dir, '.ssh', 'config'), config);
    if (options.defaultKey ?? true) copyFileSync(bench.keys.ed25519.path, join(dir, '.ssh', 'id_ed25519'));
    return dir;
  }

  function aliases(dir: string): string {
    const [a, b] = bench.hosts;
    return [
      '# written as an operator would: specific blocks first, Host * last (first value wins)',
      'Host app',
      `  HostName ${a!.address}`,
      `  Port ${a!.port}`,
      'Host inner',
      `  HostName ${b!.address}`,
      `  Port ${b!.port}`,
      '  ProxyJump app',
      'Host *',
      '  User fleet',
      `  UserKnownHostsFile ${join(dir, 'kh')}`,
      '  StrictHostKeyChecking accept-new',
      '  User nobody-wins-here',
      '',
    ].join('\n');
  }

  function homeWithAliases(): string {
    const dir = tempDir('fleet-home-');
    mkdirSync(join(dir, '.ssh'), { mode: 0o700 });
    writeFileSync(join(dir, '.ssh', 'config'), aliases(dir));
    copyFileSync(bench.keys.ed25519.path, join(dir, '.ssh', 'id_ed25519'));
    return dir;
  }

  it('exec -H alias: HostName, Port, User from ~/.ssh/config and the default key ~/.ssh/id_ed25519', async () => {
    const dir = homeWithAliases();
    const r = await runCli(['exec', '-H', 'app', 'echo $(id -un) on $SSH_CONNECTION'], { env: { HOME: dir, ...noAgent } });
    expect(r.stderr).not.toMatch(/AUTH|CONNECT/);
    expect(r.code).toBe(0);
    const [a] = bench.hosts;
    expect(r.stdout).toMatch(new RegExp(`^app \\| fleet on \\S+ \\d+ ${a!.address.replace(/\./g, '\\.')} ${a!.port}$`, 'm'));
  });

  it('accept-new prints OpenSSH\'s "Permanently added" notice on stderr the first time only', async () => {
    const dir = homeWithAliases();
    const [a] = bench.hosts;
    const first = await runCli(['exec', '-H', 'app', 'true'], { env: { HOME: dir, ...noAgent } });
    expect(first.code).toBe(0);
    expect(first.stderr).toContain(`warning: Permanently added '[${a!.address}]:${a!.port}' (ED25519) to the list of known hosts.`);
    expect(readFileSync(join(dir, 'kh'), 'utf8')).toContain(`[${a!.address}]:${a!.port} ssh-ed25519 `);
    const again = await runCli(['exec', '-H', 'app', 'true'], { env: { HOME: dir, ...noAgent } });
    expect(again.code).toBe(0);
    expect(again.stderr).not.toMatch(/Permanently added/);
  });

  it('ProxyJump through another bench host: the target is reached through the jump host', async () => {
    const dir = homeWithAliases();
    const [a, b] = bench.hosts;
    const r = await runCli(['exec', '-H', 'inner', 'echo $SSH_CONNECTION'], { env: { HOME: dir, ...noAgent } });
    expect(r.stderr).not.toMatch(/CONNECT|AUTH/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^inner \\| \\S+ \\d+ ${b!.address.replace(/\./g, '\\.')} ${b!.port}$`, 'm'));
    // The jump host's sshd opened the channel to the target: OpenSSH logs it at DEBUG1.
    await sleep(200);
    expect(await a!.logs()).toMatch(new RegExp(`direct-tcpip.*${b!.address.replace(/\./g, '\\.')}.*${b!.port}|target ${b!.address.replace(/\./g, '\\.')} port ${b!.port}`));
  });

  it('an inventory jump: naming an ssh_config alias is resolved through ssh_config, as ssh -J does', async () => {
    const dir = homeWithAliases();
    const b = bench.hosts[1]!;
    const inv = join(dir, 'hosts.yaml');
    writeFileSync(inv, `hosts:\n  target: { address: ${b.address}, port: ${b.port}, user: fleet, jump: app }\n`);
    const r = await runCli(['exec', '-i', inv, 'echo $SSH_CONNECTION'], { env: { HOME: dir, ...noAgent } });
    expect(r.stderr).not.toMatch(/CONNECT|AUTH/);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^target \\| \\S+ \\d+ ${b.address.replace(/\./g, '\\.')} ${b.port}$`, 'm'));
  });

  it('fleet hosts says where each value came from (ssh_config file:line, the command line)', async () => {
    const dir = homeWithAliases();
    const r = await runCli(['hosts', '-H', 'app,inner', '-p', '2999', '-o', 'json'], { env: { HOME: dir, ...noAgent } });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { hosts: { host: string; address: string; port: number; user: string; jump?: string; sources: Record<string, string> }[] };
    const [app, inner] = doc.hosts;
    expect(app).toMatchObject({ host: 'app', address: bench.hosts[0]!.address, port: 2999, user: 'fleet' });
    expect(app!.sources).toMatchObject({ address: 'ssh_config ~/.ssh/config:3', port: 'cli -p', user: 'ssh_config ~/.ssh/config:10' });
    expect(inner).toMatchObject({ jump: 'app', sources: { jump: 'ssh_config ~/.ssh/config:8' } });
    const text = await runCli(['hosts', '-H', 'app', '--sources'], { env: { HOME: dir, ...noAgent } });
    expect(text.stdout).toMatch(/^app\s+fleet@\S+:\d+\s+-\s+address=~\/\.ssh\/config:3 user=~\/\.ssh\/config:10 port=~\/\.ssh\/config:4/m);
  });

  it('--no-ssh-config: the alias is only a name again, as with ssh -F /dev/null', async () => {
    const dir = homeWithAliases();
    const r = await runCli(['exec', '-H', 'app', 'true', '--no-ssh-config', '--connect-timeout', '3s'], { env: { HOME: dir, ...noAgent } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/app\s+CONNECT\s+cannot resolve app:22; check the name, or give it a HostName in ~\/\.ssh\/config \(or the file of -F\)/);
  });

  it('-F FILE replaces ~/.ssh/config; a missing -F file is exit 2', async () => {
    const dir = home('Host app\n  HostName 127.0.0.1\n  Port 1\n');
    const other = join(dir, 'other_config');
    writeFileSync(other, aliases(dir));
    const r = await runCli(['exec', '-H', 'app', 'echo via -F', '-F', other], { env: { HOME: dir, ...noAgent } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('app | via -F');
    const missing = await runCli(['exec', '-H', 'app', 'true', '-F', join(dir, 'nope')], { env: { HOME: dir, ...noAgent } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/ssh_config .*nope cannot be read \(ENOENT\)/);
  });

  it('-p PORT and --known-hosts FILE on the command line, no config at all', async () => {
    const dir = home('', { defaultKey: false });
    const h = bench.hosts[2]!;
    const kh = join(dir, 'my_known_hosts');
    const r = await runCli(
      ['exec', '-H', `fleet@${h.address}`, '-p', String(h.port), '--known-hosts', kh, '-k', bench.keys.ed25519.path, 'echo port ok'],
      { env: { HOME: dir, ...noAgent } },
    );
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${h.address} | port ok`);
    expect(readFileSync(kh, 'utf8')).toContain(`[${h.address}]:${h.port} ssh-ed25519 `);
    expect(existsSync(join(dir, '.ssh', 'known_hosts'))).toBe(false);
  });

  it('-H host with no key, no agent, no password: the hint names command-line flags, not inventory keys', async () => {
    const dir = home('', { defaultKey: false });
    const h = bench.hosts[2]!;
    const r = await runCli(['exec', '-H', `fleet@${h.address}:${h.port}`, 'true', '--known-hosts', join(dir, 'kh')], { env: { HOME: dir, ...noAgent } });
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/AUTH .*no usable credentials for fleet; pass -k FILE or --ask-pass/);
    expect(r.stderr).not.toMatch(/in the inventory/);
  });

  describe('with an ssh-agent', () => {
    let agent: ChildProcess | undefined;
    let sock = '';
    beforeAll(async () => {
      sock = join(tempDir('fleet-agent-'), 'agent.sock');
      agent = spawn('ssh-agent', ['-D', '-a', sock], { stdio: 'ignore' });
      for (let i = 0; i < 50 && !existsSync(sock); i++) await sleep(50);
      const add = spawn('ssh-add', [bench.keys.rsa.path], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'ignore' });
      expect(await new Promise((resolve) => add.on('close', resolve))).toBe(0);
    });
    afterAll(() => {
      if (agent?.pid !== undefined) process.kill(agent.pid);
    });

    it('-A forwards the agent: ssh-add -l on the host lists the key; without -A there is no agent there', async () => {
      const dir = home(aliases(tempDir()), { defaultKey: false });
      const env = { HOME: dir, SSH_AUTH_SOCK: sock };
      const withA = await runCli(['exec', '-H', 'app', '-A', 'ssh-add -l'], { env });
      expect(withA.stderr).not.toMatch(/AUTH|CONNECT/);
      expect(withA.code).toBe(0);
      expect(withA.stdout).toMatch(/^app \| 2048 SHA256:\S+ .*\(RSA\)$/m);
      const without = await runCli(['exec', '-H', 'app', 'ssh-add -l'], { env });
      expect(without.code).toBe(1);
      expect(summaryOf(without.stderr)).toMatchObject({ ok: 0, failed: 1 });
      expect(without.stderr).toMatch(/app ! Could not open a connection to your authentication agent/);
    });

    it('IdentityAgent in ~/.ssh/config: the agent is used with SSH_AUTH_SOCK unset, and no key file anywhere', async () => {
      const dir = home(`Host app\n  IdentityAgent ${sock}\n${aliases(tempDir())}`, { defaultKey: false });
      const r = await runCli(['exec', '-H', 'app', 'echo in'], { env: { HOME: dir, SSH_AUTH_SOCK: '' } });
      expect(r.stderr).not.toMatch(/AUTH/);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('app | in');
    });

    it('ForwardAgent yes in ~/.ssh/config does the same as -A', async () => {
      const kh = tempDir();
      const dir = home(`Host app\n  ForwardAgent yes\n${aliases(kh)}`, { defaultKey: false });
      const r = await runCli(['exec', '-H', 'app', 'ssh-add -l'], { env: { HOME: dir, SSH_AUTH_SOCK: sock } });
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/\(RSA\)$/m);
    });
  });
});
