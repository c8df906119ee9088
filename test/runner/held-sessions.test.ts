import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/index.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { setMaxStartups } from '../bench/max-startups.js';
import { writeJumpInventory } from '../bench/inventory.js';
import { countOnHosts } from '../bench/remote-processes.js';
import { until, writeInventory } from './support.js';
import { delta, logins } from '../bench/logins.js';

/** Live SSH connections on the hosts, from the server's side: each has one privileged sshd monitor. */
function liveSessions(hosts: readonly BenchHost[]): Promise<number> {
  return countOnHosts(hosts, "pgrep -c -f '^sshd: fleet \\[priv\\]'");
}

describe('a Fleet holds its sessions across calls', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => {
    // VERBOSE: sshd logs each subsystem (SFTP) request, so the test can count SFTP channels too.
    bench = await startBench(4, { sshdOptions: ['LogLevel VERBOSE'] });
    inv = writeInventory(bench).file;
  }, 300_000);
  afterAll(() => bench?.stop());

  it('5 calls cost one login per host, and the SFTP channel is opened once', async () => {
    const before = await logins(bench.hosts);
    const fleet = await Fleet.fromInventory(inv);
    try {
      for (let i = 0; i < 3; i++) expect((await fleet.exec('true')).ok).toBe(true);
      const file = join(writeInventory(bench).dir, 'payload.txt');
      writeFileSync(file, 'held\n');
      expect((await fleet.put(file, '/tmp/held-a.txt')).ok).toBe(true);
      expect((await fleet.put(file, '/tmp/held-b.txt')).ok).toBe(true);
      expect(delta(await logins(bench.hosts), before)).toEqual([1, 1, 1, 1]);
      const sftp = await Promise.all(bench.hosts.map(async (h) => ((await h.logs()).match(/Starting session: subsystem 'sftp'/g) ?? []).length));
      expect(sftp).toEqual([1, 1, 1, 1]);
    } finally {
      await fleet.close();
    }
    // close() ends them on the server too.
    expect(await until(async () => (await liveSessions(bench.hosts)) === 0)).toBe(true);
  });

  it('select() narrows without reconnecting, and results list exactly the hosts of each call', async () => {
    const fleet = await Fleet.fromInventory(inv);
    try {
      expect((await fleet.exec('true')).ok).toBe(true);
      const before = await logins(bench.hosts);
      const two = fleet.select(['h02', 'h04']);
      const report = await two.exec('hostname');
      expect(report.results.map((r) => r.host).sort()).toEqual(['h02', 'h04']);
      const limited = await fleet.exec('true', { limit: 'h01' });
      expect(limited.results.map((r) => r.host)).toEqual(['h01']);
      expect((await fleet.select('h0[1-3]').ping()).results.map((r) => r.host).sort()).toEqual(['h01', 'h02', 'h03']);
      expect(delta(await logins(bench.hosts), before)).toEqual([0, 0, 0, 0]);
      expect(() => fleet.select('nope*')).toThrow(/matches no host or group/);
    } finally {
      await fleet.close();
    }
  });

  it('a session killed between calls is reopened before the next step', async () => {
    const fleet = await Fleet.fromInventory(inv);
    try {
      expect((await fleet.exec('true')).ok).toBe(true);
      const before = await logins(bench.hosts);
      const victim = bench.hosts[1]!;
      // The server ends the connection (as a restart of sshd with its sessions, or an idle kill, would).
      await victim.exec("pkill -KILL -f '^sshd: fleet'");
      expect(await until(async () => (await liveSessions([victim])) === 0)).toBe(true);
      const report = await fleet.exec('echo again');
      expect(report.ok).toBe(true);
      expect(report.results.find((r) => r.host === victim.name)?.stdout.trim()).toBe('again');
      expect(delta(await logins(bench.hosts), before)).toEqual([0, 1, 0, 0]);
    } finally {
      await fleet.close();
    }
  });

  it('with 2 workers each host keeps its worker (and its one session) across calls', async () => {
    const before = await logins(bench.hosts);
    const fleet = await Fleet.fromInventory(inv, { workers: 2 });
    try {
      const workers = new Map<string, Set<number | undefined>>();
      for (let i = 0; i < 4; i++) {
        const report = await fleet.exec('true');
        expect(report.ok).toBe(true);
        for (const r of report.results) workers.set(r.host, (workers.get(r.host) ?? new Set()).add(r.worker));
      }
      expect([...workers.values()].every((s) => s.size === 1)).toBe(true);
      expect(new Set([...workers.values()].map((s) => [...s][0])).size).toBe(2);
      expect(delta(await logins(bench.hosts), before)).toEqual([1, 1, 1, 1]);
    } finally {
      await fleet.close();
    }
  });

  it('persist: an idle time closes held sessions on the server; the next call logs in again', async () => {
    const fleet = await Fleet.fromInventory(inv, { persist: '1s' });
    try {
      expect((await fleet.exec('true')).ok).toBe(true);
      expect(await liveSessions(bench.hosts)).toBe(4);
      expect(await until(async () => (await liveSessions(bench.hosts)) === 0, 6_000)).toBe(true);
      const before = await logins(bench.hosts);
      expect((await fleet.exec('true')).ok).toBe(true);
      expect(delta(await logins(bench.hosts), before)).toEqual([1, 1, 1, 1]);
    } finally {
      await fleet.close();
    }
  });

  it('maxHeldSessions bounds what stays open between calls, least recently used closed first', async () => {
    const fleet = await Fleet.fromInventory(inv, { workers: 1, maxHeldSessions: 2 });
    try {
      expect((await fleet.exec('true')).ok).toBe(true);
      expect(await until(async () => (await liveSessions(bench.hosts)) === 2)).toBe(true);
      expect(await liveSessions(bench.hosts)).toBe(2);
    } finally {
      await fleet.close();
    }
  });
});

describe('jump hosts are shared', () => {
  let bastion: Bench;
  let targets: Bench;
  let inv: string;
  beforeAll(async () => {
    [bastion, targets] = await Promise.all([startBench(1), startBench(100, { hostsPerContainer: 16, startConcurrency: 4 })]);
    // OpenSSH's default: a bastion that drops unauthenticated connections beyond 10 at once.
    await setMaxStartups(bastion.hosts[0]!, '10:30:100');
    inv = writeJumpInventory(bastion, targets);
  }, 600_000);
  afterAll(() => Promise.all([bastion?.stop(), targets?.stop()]));

  it('100 hosts behind one default-config bastion at -f 64: all succeed, one bastion login per worker', async () => {
    const before = await logins(bastion.hosts);
    const fleet = await Fleet.fromInventory(inv, { limit: 'targets', forks: 64, workers: 2 });
    try {
      const first = await fleet.exec('true');
      expect(first.failed.map((r) => `${r.host}: ${r.error?.message}`)).toEqual([]);
      expect(first.results).toHaveLength(100);
      expect((await fleet.exec('true')).ok).toBe(true);
      expect(delta(await logins(bastion.hosts), before)).toEqual([2]);
    } finally {
      await fleet.close();
    }
  });

  it('persist: false (the CLI\'s one call) through the same bastion: hosts log out as they end, the jump stays, all succeed', async () => {
    const before = await logins(bastion.hosts);
    const fleet = await Fleet.fromInventory(inv, { limit: 'targets', forks: 64, workers: 0, persist: false });
    try {
      const report = await fleet.exec('true');
      expect(report.failed.map((r) => `${r.host}: ${r.error?.message}`)).toEqual([]);
      expect(report.results).toHaveLength(100);
      expect(delta(await logins(bastion.hosts), before)).toEqual([1]);
      // Each target's session ended with its task: only the bastion's is left on the servers.
      expect(await until(async () => (await liveSessions(targets.hosts)) === 0)).toBe(true);
    } finally {
      await fleet.close();
    }
  });

  it('a jump session lost between calls is reopened once, before the next step', async () => {
    const fleet = await Fleet.fromInventory(inv, { limit: 'targets', workers: 1 });
    try {
      expect((await fleet.select('h0[1-5]').exec('true')).ok).toBe(true);
      const before = await logins(bastion.hosts);
      await bastion.hosts[0]!.exec("pkill -KILL -f '^sshd: fleet'");
      expect(await until(async () => (await liveSessions(bastion.hosts)) === 0)).toBe(true);
      const again = await fleet.select('h0[1-5]').exec('true');
      expect(again.failed.map((r) => `${r.host}: ${r.error?.message}`)).toEqual([]);
      expect(delta(await logins(bastion.hosts), before)).toEqual([1]);
    } finally {
      await fleet.close();
    }
  });

  it('a jump that cannot be reached fails every host behind it, naming the jump', async () => {
    const bad = join(dirname(inv), 'bad-jump.yaml');
    // The same inventory with the bastion on a port nothing listens on.
    writeFileSync(bad, readFileSync(inv, 'utf8').replace(/(bastion: \{ address: [\d.]+, port: )\d+/, '$11'));
    const fleet = await Fleet.fromInventory(bad, { limit: 'h0[1-9]', workers: 1 });
    try {
      const report = await fleet.exec('true');
      expect(report.results).toHaveLength(9);
      for (const r of report.results) {
        expect(r.ok).toBe(false);
        expect(r.error?.message).toMatch(new RegExp(`^${r.host}: via jump host bastion: `));
      }
    } finally {
      await fleet.close();
    }
  });
});
