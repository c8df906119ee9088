import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/fleet/fleet.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { logSessions, maxConcurrent, sessionEvents, writeInventory } from './support.js';

describe('runner: 30 hosts, forks 8, 3 workers', () => {
  let bench: Bench;
  let fleet: Fleet;
  beforeAll(async () => {
    bench = await startBench(30);
    await logSessions(bench.hosts);
    fleet = await Fleet.fromInventory(writeInventory(bench).file, { forks: 8, workers: 3 });
  });
  afterAll(async () => {
    await fleet?.close();
    await bench?.stop();
  });

  it('runs every host, each output intact, never more than 8 hosts working at once on the servers', async () => {
    // Each command notes its start and end on its host: forks bounds hosts working at once (held sessions
    // between calls are bounded separately), so that is what is counted, on the servers' clocks.
    const mark = (type: string) => `echo "$(date +%s.%N) ${type}" >> /tmp/fleet-work.log`;
    const work = 'for i in $(seq 1 200); do echo "$(hostname -I 2>/dev/null | cut -c1-0)line $i of $FLEET_H"; done; sleep 0.3';
    const report = await fleet.exec(`${mark('open_session')}; ${work}; ${mark('close_session')}`, {
      env: { FLEET_H: 'x' },
    });
    expect(report.results).toHaveLength(30);
    expect(new Set(report.results.map((r) => r.host)).size).toBe(30);
    expect(report.ok).toBe(true);
    const expected = Array.from({ length: 200 }, (_, i) => `line ${i + 1} of x\n`).join('');
    for (const r of report.results) expect(r.stdout).toBe(expected);

    // One login per host (PAM's session log), held after the call for the next one.
    expect((await sessionEvents(bench.hosts)).filter((e) => e.type === 'open_session')).toHaveLength(30);
    const max = maxConcurrent(await sessionEvents(bench.hosts, '/tmp/fleet-work.log'));
    console.log(`runner: max hosts working at once on the servers = ${max} (forks 8)`);
    expect(max).toBeLessThanOrEqual(8);
    expect(max).toBeGreaterThanOrEqual(6);
  });

  it('three workers are three processes, and each host ran in exactly one of them', async () => {
    const report = await fleet.exec('echo $$');
    const pids = new Set(report.results.map((r) => r.worker));
    expect(pids.size).toBe(3);
    expect(pids.has(process.pid)).toBe(false);
    for (const r of report.results) expect(r.worker).toBeGreaterThan(0);
  });
});
