import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { closeCliBench, openCliBench, ROOT, runCli, summaryOf, tempDir } from './support.js';

describe('fleet CLI: exit codes 0, 1 and 2, mistakes on the command line', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(3));
    const r = await bench.hosts[1]!.exec('touch /tmp/fail-here');
    expect(r.exitCode).toBe(0);
  });
  afterAll(() => closeCliBench(bench));

  it('0 when every host ran the command well; lines are host-prefixed, the summary goes to stderr', async () => {
    const r = await runCli(['exec', 'echo fine', '-i', inv]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['h01 | fine', 'h02 | fine', 'h03 | fine']);
    expect(summaryOf(r.stderr)).toEqual({ ok: 3, failed: 0, unreachable: 0, hosts: 3 });
    expect(r.stdout).not.toMatch(/ok ·/);
  });

  it('1 when a command fails on one host, which the failure list names', async () => {
    const r = await runCli(['exec', 'test ! -e /tmp/fail-here && echo fine', '-i', inv]);
    expect(r.code).toBe(1);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['h01 | fine', 'h03 | fine']);
    expect(r.stderr).toMatch(/^h02\s+COMMAND\s+command exited with 1$/m);
    expect(summaryOf(r.stderr)).toEqual({ ok: 2, failed: 1, unreachable: 0, hosts: 3 });
  });

  it('1 when a transfer fails (a remote directory the user cannot write)', async () => {
    const r = await runCli(['put', ROOT + 'package.json', '/root/', '-i', inv, '-l', 'h01']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/h01\s+TRANSFER\s+/);
  });

  it('2 and the paths tried when there is no inventory', async () => {
    const r = await runCli(['exec', 'true'], { cwd: tempDir() });
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'fleet: no inventory found (tried $FLEET_INVENTORY (unset), ./inventory.yaml, ./fleet.yaml) — pass -i FILE, set FLEET_INVENTORY, or give hosts with -H\n',
    );
    expect(r.stdout).toBe('');
  });

  it('2 for an -i file that does not exist, and for $FLEET_INVENTORY pointing nowhere', async () => {
    const a = await runCli(['ping', '-i', '/nonexistent/hosts.yaml']);
    expect(a.code).toBe(2);
    expect(a.stderr).toMatch(/^fleet: inventory file \/nonexistent\/hosts.yaml not found/);
    const b = await runCli(['hosts'], { cwd: tempDir(), env: { FLEET_INVENTORY: 'nope.yaml' } });
    expect(b.code).toBe(2);
    expect(b.stderr).toMatch(/nope\.yaml not found \(from \$FLEET_INVENTORY\)/);
  });

  it('2 for an inventory with a mistake in it, naming file and line', async () => {
    const dir = tempDir();
    const file = join(dir, 'inventory.yaml');
    writeFileSync(file, 'hosts:\n  web1:\n    prot: 22\n');
    const r = await runCli(['exec', 'true'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fleet: .*inventory\.yaml.*3/);
    expect(r.stderr).toMatch(/port/);
  });

  it('2 when the selection matches nothing', async () => {
    const r = await runCli(['exec', 'true', '-i', inv, '-l', 'nosuch*']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^fleet: /);
  });

  it('2 for bad option values, unknown options, missing arguments, -H with -i', async () => {
    const cases: [string[], RegExp][] = [
      [['exec', 'true', '-i', inv, '-f', 'many'], /argument 'many' is invalid/],
      [['exec', 'true', '-i', inv, '-t', '5x'], /duration like 500ms/],
      [['exec', 'true', '-i', inv, '-o', 'xml'], /Allowed choices are text, json, ndjson/],
      [['exec', 'true', '-i', inv, '--batch', '0'], /number of hosts/],
      [['exec', 'true', '-i', inv, '--fail-fast', '--max-fail', '10%'], /cannot be used with/],
      [['put', '/etc/hostname', '-i', inv], /give one or more local paths and then the remote destination/],
      [['exec', '-i', inv], /missing required argument 'command'/],
      [['exec', 'true', '-i', inv, '-H', 'a,b'], /cannot be used with/],
      [[], /Usage: fleet/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
    }
  });

  it('a typo in a command or an option suggests the right one', async () => {
    const cmd = await runCli(['exce', 'true']);
    expect(cmd.code).toBe(2);
    expect(cmd.stderr).toContain("unknown command 'exce'");
    expect(cmd.stderr).toContain('(Did you mean exec?)');
    // Before the command: after it, an unknown option is the command's (fleet exec -l web uname -r).
    const opt = await runCli(['exec', '--forsk', '3', 'true', '-i', inv]);
    expect(opt.code).toBe(2);
    expect(opt.stderr).toContain("unknown option '--forsk'");
    expect(opt.stderr).toContain('(Did you mean --forks?)');
  });

  it('--version prints the package version; --help shows examples for every command', async () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const v = await runCli(['--version']);
    expect(v).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
    for (const command of ['exec', 'script', 'put', 'get', 'hosts', 'ping']) {
      const h = await runCli([command, '--help']);
      expect(h.code).toBe(0);
      expect(h.stdout).toContain(`Usage: fleet ${command}`);
      expect(h.stdout).toMatch(new RegExp(`Examples:\\n  fleet ${command} `));
    }
    const top = await runCli(['--help']);
    expect(top.stdout).toMatch(/Exit codes: 0 all ok/);
  });

  it('hosts lists the selection with user, address and port, and never a secret', async () => {
    const r = await runCli(['hosts', '-i', inv, '-l', 'h0[1-2]']);
    expect(r.code).toBe(0);
    const [a, b] = bench.hosts;
    expect(r.stdout).toBe(`h01  fleet@${a!.address}:${a!.port}  -\nh02  fleet@${b!.address}:${b!.port}  -\n`);
    const json = await runCli(['hosts', '-i', inv, '-o', 'json', '-u', 'root']);
    const doc = JSON.parse(json.stdout) as { hosts: { host: string; user: string; port: number }[] };
    expect(doc.hosts.map((h) => [h.host, h.user])).toEqual([['h01', 'root'], ['h02', 'root'], ['h03', 'root']]);
    for (const h of bench.hosts) expect(json.stdout + r.stdout).not.toContain(h.password);
  });
});
