import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { until } from '../bench/remote-processes.js';
import { closeCliBench, openCliBench, runCli, summaryOf } from './support.js';

describe('fleet CLI: exit 3 for unreachable and hung hosts, exit 1 for timed-out commands', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => ({ bench, inv } = await openCliBench(3)));
  afterAll(() => closeCliBench(bench));

  it('a hung (paused) host under --timeout 2s --connect-timeout 2s ends the run in about 2 s with exit 3', async () => {
    const hung = bench.hosts[2]!;
    await hung.pause();
    try {
      const r = await runCli(['exec', 'echo alive', '-i', inv, '--timeout', '2s', '--connect-timeout', '2s']);
      console.log(`cli: run with a hung host took ${(r.ms / 1000).toFixed(2)} s (process wall time, node start-up included)`);
      expect(r.code).toBe(3);
      expect(r.ms).toBeGreaterThan(1_900);
      expect(r.ms).toBeLessThan(4_500);
      expect(r.stdout.trim().split('\n').sort()).toEqual(['h01 | alive', 'h02 | alive']);
      expect(r.stderr).toMatch(/^h03\s+CONNECT\s+timed out after 2000 ms/m);
      expect(summaryOf(r.stderr)).toEqual({ ok: 2, failed: 0, unreachable: 1, hosts: 3 });
    } finally {
      await hung.unpause();
    }
  });

  it('a command that outlives --timeout is ended and its host counts as failed (it was reached): exit 1', async () => {
    const r = await runCli(['exec', 'echo started; sleep 20', '-i', inv, '-l', 'h01', '--timeout', '2s', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(6_000);
    const doc = JSON.parse(r.stdout) as { hosts: { host: string; stdout: string; error?: { code: string } }[] };
    expect(doc.hosts).toHaveLength(1);
    expect(doc.hosts[0]).toMatchObject({ host: 'h01', stdout: 'started\n', error: { code: 'TIMEOUT' } });
    // Nothing is left once fleet's watchdog has had its 2 s grace before the KILL of the group (it TERMs the
    // group at once; its own `sleep 2` is all that remains meanwhile).
    const sleeps = async () => (await bench.hosts[0]!.exec('pgrep -x sleep || true')).stdout.trim();
    expect(await until(async () => (await sleeps()) === '', 5_000)).toBe(true);
  });

  it('--deadline ends the whole run: unfinished hosts are reported as timed out, exit 1', async () => {
    const r = await runCli(['exec', 'sleep 20', '-i', inv, '--deadline', '1500ms', '-o', 'json']);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(7_000);
    const doc = JSON.parse(r.stdout) as { hosts: { error?: { code: string } }[] };
    expect(doc.hosts.map((h) => h.error?.code)).toEqual(['TIMEOUT', 'TIMEOUT', 'TIMEOUT']);
  });

  it('--fail-fast starts no new host after the first failure, and lets running ones finish', async () => {
    // -f 2: h01 and h02 run together; h01 fails at once, h02 goes on to the end; h03 never starts.
    await bench.hosts[0]!.exec('touch /tmp/ff-fail');
    const r = await runCli(['exec', 'if [ -e /tmp/ff-fail ]; then exit 1; fi; sleep 1; echo done', '-i', inv, '-f', '2', '--fail-fast', '-o', 'json']);
    await bench.hosts[0]!.exec('rm /tmp/ff-fail');
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { hosts: { host: string; ok: boolean; stdout: string; error?: { code: string; message: string } }[] };
    expect(doc.hosts.map((h) => [h.host, h.ok, h.error?.code])).toEqual([
      ['h01', false, 'COMMAND'],
      ['h02', true, undefined],
      ['h03', false, 'SKIPPED'],
    ]);
    expect(doc.hosts[1]!.stdout).toBe('done\n');
    expect(doc.hosts[2]!.error!.message).toMatch(/not started/);
  });

  it('a stopped host is unreachable: exit 3, which wins over a failed command (1)', async () => {
    await bench.hosts[1]!.exec('touch /tmp/fail-here');
    await bench.hosts[2]!.stop();
    const r = await runCli(['exec', 'test ! -e /tmp/fail-here', '-i', inv]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/^h02\s+COMMAND\s+command exited with 1$/m);
    expect(r.stderr).toMatch(/^h03\s+CONNECT\s+/m);
    expect(summaryOf(r.stderr)).toEqual({ ok: 1, failed: 1, unreachable: 1, hosts: 3 });

    const ping = await runCli(['ping', '-i', inv, '-o', 'json']);
    expect(ping.code).toBe(3);
    const doc = JSON.parse(ping.stdout) as { hosts: { host: string; ok: boolean }[]; summary: { unreachable: number } };
    expect(doc.hosts.map((h) => [h.host, h.ok])).toEqual([['h01', true], ['h02', true], ['h03', false]]);
    expect(doc.summary.unreachable).toBe(1);
  });
});
