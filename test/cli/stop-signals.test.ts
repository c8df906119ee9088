import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { containersOf, countOnHosts as countOnBench, processesMatching, until } from '../bench/remote-processes.js';
import { CLI, closeCliBench, openCliBench, runCli, startCli, summaryOf, tempDir } from './support.js';

const sleepers = (bench: Bench, seconds: number) => processesMatching(bench.hosts, `^sleep ${seconds}$`);
const countOnHosts = (bench: Bench, command: string) => countOnBench(bench.hosts, command);

// Hosts run inside the controller here (the default for exec under 1,024 hosts and transfers to ≤ 8 hosts),
// where a TERM or HUP used to kill the CLI with no report and leave remote commands and temp files behind.
describe('fleet CLI: SIGTERM, SIGHUP, kill -9, deadline and timeouts on 6 hosts (inline)', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => ({ bench, inv } = await openCliBench(6, { bench: { hostsPerContainer: 3 } })));
  afterAll(() => closeCliBench(bench));

  it.each([
    ['SIGTERM', 143, 234],
    ['SIGHUP', 129, 235],
  ] as const)('%s: cancel, partial report and summary, remote commands ended, exit %i', async (signal, code, seconds) => {
    const cli = startCli(['exec', `echo started; sleep ${seconds}`, '-i', inv]);
    await cli.waitFor(/(started\n[^]*){6}/);
    cli.child.kill(signal);
    const r = await cli.done;
    expect(r.code).toBe(code);
    expect(r.stdout.trim().split('\n')).toHaveLength(6);
    expect(r.stderr).toContain(`interrupted (${signal})`);
    expect(r.stderr).toMatch(/^h01\s+ABORT\s+cancelled/m);
    expect(summaryOf(r.stderr)).toEqual({ ok: 0, failed: 6, unreachable: 0, hosts: 6 });
    expect(await until(async () => (await sleepers(bench, seconds)) === 0, 1_500)).toBe(true);
  });

  it('SIGTERM mid-upload: the old file is intact, no temp file is left, exit 143', async () => {
    const dir = tempDir();
    const big = join(dir, 'big.bin');
    writeFileSync(big, Buffer.alloc(192 * 1024 * 1024, 7));
    // One host per container: each has its own /tmp.
    const targets = containersOf(bench.hosts);
    await Promise.all(targets.map((h) => h.exec('rm -rf /tmp/up && mkdir -p /tmp/up && echo old > /tmp/up/big.bin', { user: 'fleet' })));
    const cli = startCli(['put', big, '/tmp/up/', '-i', inv, '-l', targets.map((h) => h.name).join(','), '--window', '32K']);
    const temps = () => countOnHosts(bench, `ls -A /tmp/up | grep -c fleet-tmp`);
    expect(await until(async () => (await temps()) > 0, 15_000)).toBe(true);
    cli.child.kill('SIGTERM');
    const r = await cli.done;
    expect(r.code).toBe(143);
    expect(summaryOf(r.stderr)?.hosts).toBe(targets.length);
    expect(await until(async () => (await temps()) === 0, 3_000)).toBe(true);
    for (const h of targets) expect((await h.exec('cat /tmp/up/big.bin')).stdout).toBe('old\n');
  });

  it('kill -9 of the controller: the remote watchdog ends every command within seconds', async () => {
    const cli = startCli(['exec', 'echo started; sleep 236', '-i', inv]);
    await cli.waitFor(/(started\n[^]*){6}/);
    expect(await sleepers(bench, 236)).toBe(6);
    cli.child.kill('SIGKILL');
    await cli.done;
    const killed = Date.now();
    expect(await until(async () => (await sleepers(bench, 236)) === 0, 8_000)).toBe(true);
    console.log(`cli: remote commands gone ${Date.now() - killed} ms after kill -9 of the controller`);
  });

  it('a command that ends on its own leaves nothing behind (the watchdog goes with it)', async () => {
    const r = await runCli(['exec', 'echo done', '-i', inv]);
    expect(r.code).toBe(0);
    // Only sshd's own processes may remain for user fleet once the sessions have closed.
    expect(await until(async () => (await countOnHosts(bench, `pgrep -c -u fleet -f '^(sleep|bash|sh) '`)) === 0, 2_000)).toBe(true);
  });

  it('--deadline while commands start: every host reported timed out has nothing left running', async () => {
    for (const deadline of ['120ms', '200ms', '280ms', '360ms']) {
      const r = await runCli(['exec', 'sleep 237', '-i', inv, '--deadline', deadline, '-o', 'json']);
      const doc = JSON.parse(r.stdout) as { hosts: { error?: { code: string } }[]; summary: { failed: number; timedOut: number; unreachable: number } };
      expect(doc.hosts.every((h) => h.error?.code === 'TIMEOUT')).toBe(true);
      // Caught while connecting: unreachable (exit 3); caught running: failed and timed out (exit 1).
      expect(doc.summary.failed + doc.summary.unreachable).toBe(6);
      expect(doc.summary.timedOut).toBe(doc.summary.failed);
      expect(r.code).toBe(doc.summary.unreachable > 0 ? 3 : 1);
      expect(await until(async () => (await sleepers(bench, 237)) === 0, 1_000)).toBe(true);
    }
  });

  it('a command that outlives -t is a failure (exit 1, TIMEOUT under failed), not unreachable', async () => {
    const json = await runCli(['exec', 'sleep 238', '-i', inv, '-l', 'h01,h02', '-t', '1s', '-o', 'json']);
    expect(json.code).toBe(1);
    const doc = JSON.parse(json.stdout) as { hosts: { error?: { code: string } }[]; summary: Record<string, number> };
    expect(doc.hosts.map((h) => h.error?.code)).toEqual(['TIMEOUT', 'TIMEOUT']);
    expect(doc.summary).toMatchObject({ ok: 0, failed: 2, timedOut: 2, unreachable: 0, hosts: 2 });
    const text = await runCli(['exec', 'sleep 238', '-i', inv, '-l', 'h01', '-t', '1s']);
    expect(text.code).toBe(1);
    expect(text.stderr).toMatch(/^0 ok · 1 failed \(1 timed out\) · 0 unreachable · 1 host in /m);
    expect(await sleepers(bench, 238)).toBe(0);
  });

  it('fleet --help gives the exit codes of the three stop signals', () => {
    const r = spawnSync(process.execPath, [CLI, '--help'], { encoding: 'utf8' });
    expect(r.stdout).toContain('130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP');
  });
});
