import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunEvent } from '../../src/core/result.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { running, until, writeInventory } from './support.js';

describe('runner faults on 12 real hosts', () => {
  let bench: Bench;
  let inventory: string;
  beforeAll(async () => {
    bench = await startBench(12);
    inventory = writeInventory(bench).file;
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('kill -9 of a worker mid-run: every host still reported exactly once, and the pool recovers', async () => {
    const fleet = await Fleet.fromInventory(inventory, { forks: 6, workers: 2 });
    try {
      await fleet.exec('true'); // forks the workers
      const victim = (fleet as unknown as { pool: { pids: number[] } }).pool.pids[0]!;
      setTimeout(() => process.kill(victim, 'SIGKILL'), 700);
      const report = await fleet.exec('sleep 2; echo done');
      expect(report.results.map((r) => r.host).sort()).toEqual(bench.hosts.map((h) => h.name).sort());
      const crashed = report.results.filter((r) => r.error?.code === 'WORKER_CRASH');
      const ok = report.results.filter((r) => r.ok);
      expect(crashed.length).toBeGreaterThan(0);
      expect(crashed.length + ok.length).toBe(12);
      for (const r of crashed) expect(r.error?.message).toMatch(new RegExp(`^${r.host}: the worker process running this host was killed by SIGKILL`));
      for (const r of ok) expect(r.stdout).toBe('done\n');
      // A fresh worker replaced the dead one: the next run uses two live workers and all hosts succeed.
      const again = await fleet.exec('echo again');
      expect(again.ok).toBe(true);
      expect(new Set(again.results.map((r) => r.worker)).size).toBe(2);
      expect(again.results.some((r) => r.worker === victim)).toBe(false);
    } finally {
      await fleet.close();
    }
  });

  it('abort mid-run: a partial report within 2 s, and the remote commands are gone', async () => {
    const fleet = await Fleet.fromInventory(inventory, { forks: 4, workers: 2 });
    try {
      const controller = new AbortController();
      // Aborted once the 4 running hosts have printed (a fixed 1.5 s saw none yet on a loaded machine).
      let printed = 0;
      let abortedAt = 0;
      const onEvent = (e: RunEvent) => {
        if (e.type === 'output' && ++printed === 4) {
          abortedAt = Date.now();
          setTimeout(() => controller.abort(), 200);
        }
      };
      const report = await fleet.exec('echo started; sleep 304', { signal: controller.signal, timeout: '60s', onEvent });
      const afterAbort = Date.now() - abortedAt - 200;
      console.log(`runner: abort → report in ${afterAbort} ms`);
      expect(afterAbort).toBeLessThan(2_000);
      expect(report.results).toHaveLength(12);
      expect(report.interrupted).toBe(true);
      expect(report.results.every((r) => r.error?.code === 'ABORT')).toBe(true);
      const ran = report.results.filter((r) => r.stdout === 'started\n');
      const notStarted = report.results.filter((r) => /not started/.test(r.error?.message ?? ''));
      expect(ran.length).toBe(4);
      expect(notStarted.length).toBe(8);
      for (const h of bench.hosts) expect(await until(async () => !(await running(h, 'sleep 30[4]')), 5_000)).toBe(true);
    } finally {
      await fleet.close();
    }
  });

  it('two paused hosts: the run ends at its deadline with both timed out and the rest ok', async () => {
    const [a, b] = [bench.hosts[10]!, bench.hosts[11]!];
    await Promise.all([a.pause(), b.pause()]);
    const fleet = await Fleet.fromInventory(inventory, { forks: 12, connectTimeout: '30s' });
    try {
      const started = Date.now();
      const report = await fleet.exec('echo fine', { deadline: '4s' });
      const elapsed = Date.now() - started;
      console.log(`runner: deadline 4 s → run ended in ${elapsed} ms`);
      expect(elapsed).toBeGreaterThanOrEqual(4_000);
      expect(elapsed).toBeLessThan(7_000);
      expect(report.results).toHaveLength(12);
      for (const h of [a, b]) {
        const r = report.get(h.name)!;
        expect(r.error?.code).toBe('TIMEOUT');
        expect(r.error?.message).toMatch(new RegExp(`^${h.name}: run deadline of 4000 ms reached`));
      }
      expect(report.results.filter((r) => r.ok)).toHaveLength(10);
      expect(report.unreachable.map((r) => r.host).sort()).toEqual([a.name, b.name].sort());
    } finally {
      await Promise.all([a.unpause(), b.unpause()]);
      await fleet.close();
    }
  });

  it('batches with max-fail: once too many hosts failed, no new batch starts', async () => {
    const fleet = await Fleet.fromInventory(inventory, { limit: 'h0[1-6]' });
    try {
      const bad = bench.hosts[1]!;
      const report = await fleet.exec(`case "$SSH_CONNECTION" in *" ${bad.address} "*) exit 7;; esac; echo ok`, {
        batch: 2,
        maxFail: '10%',
      });
      expect(report.results.map((r) => r.host)).toEqual(['h01', 'h02', 'h03', 'h04', 'h05', 'h06']);
      expect(report.get('h01')!.ok).toBe(true);
      expect(report.get('h02')!.error).toMatchObject({ code: 'COMMAND', details: { exitCode: 7 } });
      expect(report.summary).toMatchObject({ ok: 1, failed: 1, skipped: 4 });
      for (const h of ['h03', 'h04', 'h05', 'h06']) {
        expect(report.get(h)!.error).toMatchObject({
          code: 'SKIPPED',
          message: `${h}: not started: more than 10% of the hosts of an earlier batch failed (max-fail)`,
        });
      }
    } finally {
      await fleet.close();
    }
  });

  it('stream(): start, each output line, end — for every host', async () => {
    const fleet = await Fleet.fromInventory(inventory, { limit: 'h0[1-3]' });
    try {
      const seen: string[] = [];
      const workers = new Set<number | undefined>();
      for await (const ev of fleet.stream('echo one; echo two >&2')) {
        if (ev.type === 'end') workers.add(ev.result.worker);
        if (ev.type === 'output') seen.push(`${ev.host} ${ev.stream} ${ev.line}`);
        else if (ev.type !== 'summary') seen.push(`${ev.host} ${ev.type}`);
      }
      for (const h of ['h01', 'h02', 'h03']) {
        const mine = seen.filter((s) => s.startsWith(`${h} `));
        expect(mine[0]).toBe(`${h} start`);
        expect(mine).toContain(`${h} stdout one`);
        expect(mine).toContain(`${h} stderr two`);
        expect(mine.at(-1)).toBe(`${h} end`);
      }
      // Three hosts get one worker by default, and one worker runs inline: no process was forked.
      expect([...workers]).toEqual([process.pid]);
    } finally {
      await fleet.close();
    }
  });
});
