import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/fleet/fleet.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { alive } from '../bench/remote-processes.js';
import { running, until, writeInventory } from './support.js';


describe('runner lifecycle', () => {
  let bench: Bench;
  let inventory: string;
  beforeAll(async () => {
    bench = await startBench(2);
    inventory = writeInventory(bench).file;
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('workers exit when the controller is killed with -9, ending their remote commands first', async () => {
    const parent = spawn(process.execPath, ['--import', 'tsx', 'test/runner/fixtures/parent.ts', inventory], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [line] = (await once(parent.stdout!, 'data')) as [Buffer];
    const workers = JSON.parse(line.toString()) as number[];
    expect(workers).toHaveLength(2);
    const everywhere = async () => (await Promise.all(bench.hosts.map((h) => running(h, 'sleep 30[5]')))).every(Boolean);
    expect(await until(everywhere)).toBe(true);
    parent.kill('SIGKILL');
    expect(await until(() => workers.every((pid) => !alive(pid)))).toBe(true);
    const nowhere = async () => !(await Promise.all(bench.hosts.map((h) => running(h, 'sleep 30[5]')))).some(Boolean);
    expect(await until(nowhere)).toBe(true);
  });

  it('retry: a host that is unreachable at first is tried again and succeeds', async () => {
    const h = bench.hosts[0]!;
    await h.pause();
    setTimeout(() => void h.unpause(), 1_500);
    const fleet = await Fleet.fromInventory(inventory, { limit: h.name, connectTimeout: '1s', retry: 3 });
    try {
      const report = await fleet.exec('echo reached');
      expect(report.get(h.name)).toMatchObject({ ok: true, stdout: 'reached\n' });
      const noRetry = await Fleet.fromInventory(inventory, { limit: h.name, connectTimeout: '1s' });
      await h.pause();
      try {
        const failed = await noRetry.exec('echo reached');
        expect(failed.get(h.name)!.error?.code).toBe('CONNECT');
      } finally {
        await h.unpause();
        await noRetry.close();
      }
    } finally {
      await fleet.close();
    }
  });
});
