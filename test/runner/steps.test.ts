import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../src/inventory/index.js';
import { WorkerPool } from '../../src/runner/controller/pool.js';
import { buildTargets } from '../../src/runner/controller/targets.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { logSessions, sessionEvents, writeInventory } from './support.js';

describe('runner: one host, several steps, one connection, one worker', () => {
  let bench: Bench;
  let pool: WorkerPool;
  beforeAll(async () => {
    bench = await startBench(3);
    await logSessions(bench.hosts);
    pool = new WorkerPool(3, { forks: 3, workers: 3 });
  });
  afterAll(async () => {
    await pool?.close();
    await bench?.stop();
  });

  it('exec, put, exec run in order over a single SSH session per host', async () => {
    const inventory = await loadInventory(writeInventory(bench).file);
    const targets = await buildTargets(selectHosts(inventory, 'all'), inventory);
    const dir = mkdtempSync(join(tmpdir(), 'fleet-steps-'));
    const file = join(dir, 'payload.txt');
    writeFileSync(file, 'payload\n');
    const results = await pool.run(
      targets.map((host) => ({
        host,
        steps: [
          { kind: 'exec' as const, command: 'rm -f /tmp/payload.txt; echo before' },
          { kind: 'put' as const, local: [file], remote: '/tmp/' },
          { kind: 'exec' as const, command: 'cat /tmp/payload.txt' },
        ],
      })),
    );
    expect(results.map((r) => r.host)).toEqual(['h01', 'h02', 'h03']);
    for (const r of results) {
      expect(r.ok).toBe(true);
      expect(r.stdout).toBe('before\npayload\n');
      expect(r.transfer).toEqual({ files: 1, skipped: 0, bytes: 8 });
    }
    const opens = (await sessionEvents(bench.hosts)).filter((e) => e.type === 'open_session');
    expect(opens.map((e) => e.host).sort()).toEqual(['h01', 'h02', 'h03']);
    expect(new Set(results.map((r) => r.worker)).size).toBe(3);
  });
});
