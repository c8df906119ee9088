import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench, BenchHost } from '../bench/hosts.js';
import { processesMatching, until } from '../bench/remote-processes.js';
import { closeCliBench, openCliBench, sleep, startCli, summaryOf } from './support.js';

const sleepers = (hosts: BenchHost[], seconds: number) => processesMatching(hosts, `^sleep ${seconds}$`);

describe('fleet CLI: SIGINT mid-run', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => ({ bench, inv } = await openCliBench(3)));
  afterAll(() => closeCliBench(bench));

  it('ndjson: every host still ends (cancelled), the summary comes last, remote commands are ended, exit 130', async () => {
    const cli = startCli(['exec', 'echo started; sleep 41', '-i', inv, '-o', 'ndjson', '-w', '2']);
    await cli.waitFor(/("line":"started"[^\n]*\n[^]*){3}/);
    const signalled = performance.now();
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    expect(performance.now() - signalled).toBeLessThan(4_000);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string; result?: { error?: { code: string } } });
    const ends = events.filter((e) => e.type === 'end');
    expect(ends.map((e) => e.host).sort()).toEqual(['h01', 'h02', 'h03']);
    for (const e of ends) expect(e.result?.error?.code).toBe('ABORT');
    expect(events.at(-1)).toMatchObject({ type: 'summary', summary: { ok: 0, failed: 3, unreachable: 0, hosts: 3 } });
    expect(r.stderr).toContain('fleet: interrupted');
    expect(await until(async () => (await sleepers(bench.hosts, 41)) === 0, 5_000)).toBe(true);
  });

  it('text: partial output, the failure list and the summary are still printed', async () => {
    const cli = startCli(['exec', 'echo before; sleep 42; echo after', '-i', inv]);
    await cli.waitFor(/(before\n[^]*){3}/);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['h01 | before', 'h02 | before', 'h03 | before']);
    expect(r.stderr).toMatch(/^h01\s+ABORT\s+cancelled/m);
    expect(summaryOf(r.stderr)).toEqual({ ok: 0, failed: 3, unreachable: 0, hosts: 3 });
    expect(await until(async () => (await sleepers(bench.hosts, 42)) === 0, 5_000)).toBe(true);
  });

  it('json: one document with every host, exit 130', async () => {
    const cli = startCli(['exec', 'sleep 43', '-i', inv, '-o', 'json']);
    expect(await until(async () => (await sleepers(bench.hosts, 43)) === 3, 10_000)).toBe(true);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    const doc = JSON.parse(r.stdout) as { hosts: { host: string; ok: boolean }[]; summary: { hosts: number } };
    expect(doc.hosts.map((h) => [h.host, h.ok])).toEqual([['h01', false], ['h02', false], ['h03', false]]);
    expect(doc.summary.hosts).toBe(3);
  });

  it('a second SIGINT quits at once, without waiting for hosts that ignore the first', async () => {
    // The remote shell ignores TERM, so the first SIGINT alone would wait for the kill grace period.
    const cli = startCli(['exec', 'trap "" TERM; echo started; sleep 44', '-i', inv, '-w', '2']);
    await cli.waitFor(/(started\n[^]*){3}/);
    cli.child.kill('SIGINT');
    await sleep(300);
    const second = performance.now();
    cli.child.kill('SIGINT');
    const r = await cli.done;
    const took = r.exitedAt - second;
    console.log(`cli: exit ${took.toFixed(0)} ms after the second SIGINT`);
    expect(r.code).toBe(130);
    expect(took).toBeLessThan(1_000);
    expect(summaryOf(r.stderr)).toBeUndefined();
  });
});
