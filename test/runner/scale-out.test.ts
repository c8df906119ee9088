import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../src/inventory/index.js';
import { WorkerPool } from '../../src/runner/controller/pool.js';
import { buildTargets } from '../../src/runner/controller/targets.js';
import type { HostTask } from '../../src/runner/transport/task.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { writeInventory } from './support.js';
import { delta, logins } from '../bench/logins.js';

// The rule's thresholds (busy loop, a second of CPU left) are unit-tested; here any load trips it, so the
// test shows what happens then against real sshd: workers forked mid-run, hosts reported once, sessions kept.
describe('a run inside the controller forks workers when the rule says its CPU limits the run', () => {
  let bench: Bench;
  let pool: WorkerPool;
  let tasks: (command: string) => HostTask[];
  beforeAll(async () => {
    bench = await startBench(12);
    const inventory = await loadInventory(writeInventory(bench).file);
    const targets = await buildTargets(selectHosts(inventory, 'all'), inventory);
    tasks = (command) => targets.map((host) => ({ host, steps: [{ kind: 'exec' as const, command }] }));
    pool = new WorkerPool(12, { forks: 4, scaleOut: { busyShare: 0, windowMs: 50, looks: 1, minRemainingCpuMs: 0, relayWeight: 2 } });
  }, 300_000);
  afterAll(async () => {
    await pool?.close();
    await bench?.stop();
  });

  it('starts inline, forks for the waiting hosts, and a later run finds each session where it was', async () => {
    const before = await logins(bench.hosts);
    // Each host reports when it ran, so the test can check forks (4) still bounds hosts at once.
    const first = await pool.run(tasks('s=$(date +%s%N); sleep 0.5; echo "$s $(date +%s%N)"'));
    expect(first.map((r) => r.host).sort()).toEqual(bench.hosts.map((h) => h.name).sort());
    expect(first.every((r) => r.ok)).toBe(true);
    const workers = new Set(first.map((r) => r.worker));
    expect(workers.has(process.pid)).toBe(true);
    expect(workers.size).toBeGreaterThan(1);
    expect(pool.pids.length).toBeGreaterThan(1);
    const spans = first.map((r) => r.stdout.trim().split(' ').map(Number) as [number, number]);
    const most = Math.max(...spans.map(([s]) => spans.filter(([a, b]) => a <= s && s < b).length));
    expect(most).toBeLessThanOrEqual(4);
    expect(delta(await logins(bench.hosts), before)).toEqual(bench.hosts.map(() => 1));

    const home = new Map(first.map((r) => [r.host, r.worker]));
    const second = await pool.run(tasks('true'));
    expect(second.every((r) => r.ok && r.worker === home.get(r.host))).toBe(true);
    expect(delta(await logins(bench.hosts), before)).toEqual(bench.hosts.map(() => 1));
  });
});

// Output is split into lines and kept in the controller wherever the SSH side runs, and from a worker it
// comes over IPC on top: forking for a run whose CPU goes to its output only adds work (64 hosts × 20 MB,
// -f 16: 9.0 s inline, 10.0 s when the rule, blind to it, forked). The rule takes the relay's time off.
describe('the scale-out rule leaves a run alone when its CPU goes to the hosts\' output', () => {
  let bench: Bench;
  let tasks: HostTask[];
  const chatty = 'yes 0123456789 | head -c 24000000';
  beforeAll(async () => {
    bench = await startBench(8);
    const inventory = await loadInventory(writeInventory(bench).file);
    const targets = await buildTargets(selectHosts(inventory, 'all'), inventory);
    tasks = targets.map((host) => ({ host, steps: [{ kind: 'exec' as const, command: chatty }] }));
  }, 300_000);
  afterAll(async () => {
    await bench?.stop();
  });

  // Two looks in a row, as the default rule, with lower thresholds: the run here is short.
  const rule = (relayWeight: number) => ({ busyShare: 0.5, windowMs: 200, looks: 2, minRemainingCpuMs: 200, relayWeight });

  it('forks when the relay is not counted (the control), and not when it is', async () => {
    const runOn = async (relayWeight: number) => {
      const pool = new WorkerPool(8, { forks: 2, scaleOut: rule(relayWeight) });
      try {
        const results = await pool.run(tasks);
        expect(results.every((r) => r.ok && r.stdout.length > 0)).toBe(true);
        return new Set(results.map((r) => r.worker)).size;
      } finally {
        await pool.close();
      }
    };
    expect(await runOn(0)).toBeGreaterThan(1);
    expect(await runOn(2)).toBe(1);
  });
});
