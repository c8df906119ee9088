import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { holdStartups, setMaxStartups } from '../bench/max-startups.js';
import { closeCliBench, openCliBench, runCli, summaryOf, writeCliInventory } from './support.js';

describe('fleet CLI: a host that throttles new connections (sshd MaxStartups, defect 9)', () => {
  let bench: Bench;
  let inv: string;
  const names = Array.from({ length: 30 }, (_, i) => `t${String(i + 1).padStart(2, '0')}`);
  beforeAll(async () => {
    ({ bench } = await openCliBench(1));
    const h = bench.hosts[0]!;
    await setMaxStartups(h, '2:100:2');
    // 30 inventory hosts that are one sshd admitting 2 logins at a time, as 30 hosts behind one NAT address would be.
    inv = writeCliInventory(bench, { names }, names.map(() => h)).file;
  });
  afterAll(() => closeCliBench(bench));

  it('ping -f 30: all 30 get in (with back-off inside --connect-timeout)', async () => {
    // 15 rounds of 2 logins need ~3 s here; the budget is generous because the machine's cores are shared.
    const r = await runCli(['ping', '-i', inv, '-f', '30', '--connect-timeout', '20s']);
    expect(summaryOf(r.stderr)).toEqual({ ok: 30, failed: 0, unreachable: 0, hosts: 30 });
    expect(r.code).toBe(0);
    expect(await bench.hosts[0]!.logs()).toMatch(/past MaxStartups/);
  });

  it('throttling longer than --connect-timeout: exit 3, and the report says MaxStartups and a lower -f', async () => {
    const held = await holdStartups(bench.hosts[0]!, 2);
    try {
      const r = await runCli(['ping', '-i', inv, '-l', 't01', '--connect-timeout', '1s']);
      expect(r.code).toBe(3);
      expect(summaryOf(r.stderr)).toEqual({ ok: 0, failed: 0, unreachable: 1, hosts: 1 });
      expect(r.stderr).toMatch(/t01\s+CONNECT\s+.*dropped the connection before the SSH banner/);
      expect(r.stderr).toContain('the server is throttling new connections (sshd MaxStartups)');
      expect(r.stderr).toContain('lower -f/--forks');
    } finally {
      for (const s of held) s.destroy();
    }
  });
});
