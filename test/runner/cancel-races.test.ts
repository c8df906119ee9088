import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../src/core/errors.js';
import { Fleet } from '../../src/fleet/fleet.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { containersOf, processesMatching } from '../bench/remote-processes.js';
import { until, writeInventory } from './support.js';

const sleepers = (bench: Bench, seconds: number) => processesMatching(bench.hosts, `^sleep ${seconds}$`);

describe('cancel races and call validation on 12 real hosts', () => {
  let bench: Bench;
  let inventory: string;
  beforeAll(async () => {
    bench = await startBench(12, { hostsPerContainer: 6 });
    inventory = writeInventory(bench).file;
  });
  afterAll(async () => {
    await bench?.stop();
  });

  // A cancel that lands while exec requests are in flight used to be lost: the command kept running while the
  // report said ABORT. Aborting at a sweep of moments across 12 hosts that connect at once lands some of
  // them in that window (on the old code 1–6 hosts per sweep kept running).
  it.each([
    ['inline', 0],
    ['2 workers', 2],
  ])('abort at any moment (%s): every host reported ended has nothing left running', async (_, workers) => {
    const fleet = await Fleet.fromInventory(inventory, { forks: 12, workers });
    try {
      await fleet.ping();
      for (const delay of [60, 110, 160, 210, 260, 320]) {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), delay);
        const report = await fleet.exec('sleep 231', { signal: controller.signal });
        expect(report.results).toHaveLength(12);
        expect(report.results.every((r) => r.error?.code === 'ABORT')).toBe(true);
        // TERM reached sshd before the report; a moment to reap, too short for the session watchdog (2 s).
        expect(await until(async () => (await sleepers(bench, 231)) === 0, 1_000)).toBe(true);
      }
    } finally {
      await fleet.close();
    }
  });

  it('kill -9 of a worker: its remote commands end within seconds, and the crash report says how long the host ran', async () => {
    const fleet = await Fleet.fromInventory(inventory, { forks: 12, workers: 2 });
    try {
      await fleet.exec('true');
      const victim = (fleet as unknown as { pool: { pids: number[] } }).pool.pids[0]!;
      const running = fleet.exec('sleep 232', { timeout: '60s' });
      expect(await until(async () => (await sleepers(bench, 232)) === 12, 10_000)).toBe(true);
      await new Promise((r) => setTimeout(r, 500));
      process.kill(victim, 'SIGKILL');
      expect(await until(async () => (await sleepers(bench, 232)) === 6, 8_000)).toBe(true);
      const crashedHosts = 12 - (await sleepers(bench, 232));
      expect(crashedHosts).toBe(6);
      // The rest are still running: end them so the run finishes.
      await Promise.all(containersOf(bench.hosts).map((h) => h.exec(`pkill -f '^sleep 232$' || true`)));
      const report = await running;
      const crashed = report.results.filter((r) => r.error?.code === 'WORKER_CRASH');
      expect(crashed).toHaveLength(6);
      for (const r of crashed) expect(r.durationMs).toBeGreaterThanOrEqual(400);
      expect(report.results).toHaveLength(12);
    } finally {
      await fleet.close();
    }
  });

  it.each([
    ['inline', 0],
    ['2 workers', 2],
  ])('an invalid env name rejects the call with ConfigError before any host starts (%s)', async (_, workers) => {
    const fleet = await Fleet.fromInventory(inventory, { forks: 12, workers });
    try {
      const events: string[] = [];
      const call = fleet.exec('true', { env: { 'A;touch /tmp/x;B': '1' }, onEvent: (e) => void events.push(e.type) });
      await expect(call).rejects.toBeInstanceOf(ConfigError);
      await expect(call).rejects.toThrow(/invalid environment variable name "A;touch \/tmp\/x;B"/);
      expect(events).toEqual([]);
      // Nothing crashed: the same Fleet still runs.
      const report = await fleet.exec('echo "$GOOD"', { env: { GOOD: 'yes' } });
      expect(report.ok).toBe(true);
      expect(report.results.every((r) => r.stdout === 'yes\n')).toBe(true);
      await expect(fleet.exec('true', { timeout: 'soon' })).rejects.toBeInstanceOf(ConfigError);
    } finally {
      await fleet.close();
    }
  });
});
