import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { closeCliBench, openCliBench, runCli, sleep, startCli } from './support.js';

const ps = (args: string[]): string => {
  try {
    return execFileSync('ps', args, { encoding: 'utf8' });
  } catch {
    return ''; // ps exits 1 when nothing matched
  }
};

async function workersOf(pid: number, count: number): Promise<number[]> {
  for (let i = 0; i < 100; i++) {
    const pids = ps(['-o', 'pid=', '--ppid', String(pid)]).split('\n').map((s) => Number(s.trim())).filter((n) => n > 0);
    if (pids.length >= count) return pids;
    await sleep(100);
  }
  throw new Error(`the CLI (pid ${pid}) did not fork ${count} workers`);
}

describe('fleet CLI: --ask-pass', () => {
  let bench: Bench;
  let inv: string;
  let password: string;
  beforeAll(async () => {
    // One container for both hosts: one password, as an operator typing it once would expect.
    ({ bench, inv } = await openCliBench(2, { bench: { hostsPerContainer: 2 }, inventory: { credentials: false } }));
    password = bench.hosts[0]!.password;
    expect(bench.hosts[1]!.password).toBe(password);
  });
  afterAll(() => closeCliBench(bench));

  it('without a password nothing logs in: exit 3, AUTH', async () => {
    const r = await runCli(['exec', 'true', '-i', inv]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^h01\s+AUTH\s+/m);
  });

  it('reads the password from stdin; it is in no argv, no environment (CLI or worker) and no output', async () => {
    const cli = startCli(['exec', '--ask-pass', '--sudo', '-w', '2', '-o', 'json', 'sleep 2; whoami', '-i', inv], { input: `${password}\n` });
    const pid = cli.child.pid!;
    const workers = await workersOf(pid, 2);
    expect(workers).toHaveLength(2);
    for (const p of [pid, ...workers]) {
      const args = ps(['-o', 'args=', '-p', String(p)]);
      expect(args).toMatch(/node/);
      expect(args).not.toContain(password);
      expect(readFileSync(`/proc/${p}/cmdline`, 'utf8')).not.toContain(password);
      const environ = readFileSync(`/proc/${p}/environ`, 'utf8');
      expect(environ.length).toBeGreaterThan(0);
      expect(environ).not.toContain(password);
    }
    // Workers get a whitelisted environment, not the controller's.
    expect(readFileSync(`/proc/${workers[0]}/environ`, 'utf8').split('\0').filter(Boolean).length).toBeLessThan(10);

    const r = await cli.done;
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { hosts: { host: string; stdout: string }[] };
    expect(doc.hosts.map((h) => [h.host, h.stdout])).toEqual([['h01', 'root\n'], ['h02', 'root\n']]);
    expect(r.stdout).not.toContain(password);
    expect(r.stderr).not.toContain(password);
  });

  it('a wrong password fails auth (exit 3) without being shown', async () => {
    const wrong = 'Wr0ng-' + password.slice(0, 6);
    const r = await runCli(['ping', '--ask-pass', '-o', 'json', '-i', inv], { input: `${wrong}\n` });
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout) as { hosts: { error?: { code: string } }[] };
    expect(doc.hosts.map((h) => h.error?.code)).toEqual(['AUTH', 'AUTH']);
    expect(r.stdout + r.stderr).not.toContain(wrong);
  });

  it('no password on stdin is a usage error; a bad inventory is reported before any prompt', async () => {
    const empty = await runCli(['ping', '--ask-pass', '-i', inv], { input: '' });
    expect(empty.code).toBe(2);
    expect(empty.stderr).toBe('fleet: --ask-pass: no password given\n');
    const noInventory = await runCli(['ping', '--ask-pass', '-i', '/nonexistent.yaml'], { input: `${password}\n` });
    expect(noInventory.code).toBe(2);
    expect(noInventory.stderr).toMatch(/^fleet: inventory file \/nonexistent\.yaml not found/);
  });
});
