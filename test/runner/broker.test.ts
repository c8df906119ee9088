import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The admin functions from the public entry, as a deploy script imports them.
import { brokerSessions, Fleet, stopBroker } from '../../src/index.js';
import { dropEarlyLink, recall } from '../../src/broker/early-link.js';
import { inventoryKey, loadRememberedInventory } from '../../src/fleet/remembered-inventory.js';
import { loadInventory } from '../../src/inventory/index.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { alive, countOnHosts, localProcessesWith, until } from '../bench/remote-processes.js';
import { writeInventory } from './support.js';
import { delta, logins } from '../bench/logins.js';

// This file's own broker directory: the machine's user dir is never touched (vitest forks a process per file).
const runtime = mkdtempSync(join(tmpdir(), 'fleet-xdg-lib-'));
chmodSync(runtime, 0o700);
process.env.XDG_RUNTIME_DIR = runtime;

const liveSessions = (hosts: readonly BenchHost[]) => countOnHosts(hosts, "pgrep -c -f '^sshd: fleet \\[priv\\]'");

/** Brokers (from sources, through tsx) started with this file's runtime dir. */
const brokers = () => localProcessesWith('broker-main', `XDG_RUNTIME_DIR=${runtime}`);

describe('Fleet { broker: true }: sessions outlive the Fleet', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => {
    bench = await startBench(3);
    inv = writeInventory(bench).file;
  }, 300_000);
  afterAll(async () => {
    await stopBroker().catch(() => false);
    for (const pid of brokers()) process.kill(pid, 'SIGKILL');
    rmSync(runtime, { recursive: true, force: true });
    await bench?.stop();
  });

  it('two Fleets, one after the other, log in once per host; stopBroker() logs out', async () => {
    const before = await logins(bench.hosts);
    for (let i = 0; i < 2; i++) {
      const fleet = await Fleet.fromInventory(inv, { broker: true, persist: '1m' });
      const report = await fleet.exec('echo {host}');
      expect(report.ok).toBe(true);
      expect(report.results.map((r) => r.stdout.trim())).toEqual(['h01', 'h02', 'h03']);
      await fleet.close();
    }
    expect(delta(await logins(bench.hosts), before)).toEqual([1, 1, 1]);
    const held = await brokerSessions();
    expect(held?.sessions.map((s) => s.host).sort()).toEqual(['h01', 'h02', 'h03']);
    expect(brokers()).toEqual([held!.pid]);
    expect(await stopBroker()).toBe(true);
    expect(await until(() => !alive(held!.pid!), 3_000)).toBe(true);
    expect(await until(async () => (await liveSessions(bench.hosts)) === 0)).toBe(true);
  });

  it('the broker remembers a parsed inventory for the next run; an edited one is parsed again', async () => {
    const file = join(runtime, 'remembered.yaml');
    const text = readFileSync(inv, 'utf8');
    writeFileSync(file, text, { mode: 0o600 });
    const parsed = await loadInventory(file);
    // The first load parses (and starts the broker, without waiting for it); the broker then holds the result.
    expect(await loadRememberedInventory(file, 60_000)).toEqual(parsed);
    const held = async () => (await recall(inventoryKey(file, text), 60_000)).value;
    expect(await until(async () => (await held()) !== undefined, 10_000)).toBe(true);
    expect(await held()).toEqual(JSON.parse(JSON.stringify({ ...parsed, groups: [...parsed.groups] })));
    const recalled = await loadRememberedInventory(file, 60_000);
    expect(recalled).toEqual(parsed);
    expect(recalled.groups).toBeInstanceOf(Map);
    // Another text is another key: a host renamed since is seen at once.
    writeFileSync(file, text.replace(/^(\s*)h03:/m, '$1h03x:'));
    expect((await loadRememberedInventory(file, 60_000)).hosts.map((h) => h.name)).toEqual(['h01', 'h02', 'h03x']);
    dropEarlyLink();
  });
});
