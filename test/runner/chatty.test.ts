import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/fleet/fleet.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { writeInventory } from './support.js';

const MIB = 1024 * 1024;

describe('runner: a host printing 200 MiB', () => {
  let bench: Bench;
  let fleet: Fleet;
  beforeAll(async () => {
    bench = await startBench(4);
    fleet = await Fleet.fromInventory(writeInventory(bench).file, { forks: 4, workers: 2 });
  });
  afterAll(async () => {
    await fleet?.close();
    await bench?.stop();
  });

  it('does not stall the others, and the controller memory stays bounded', async () => {
    const chatty = bench.hosts[0]!;
    const command =
      `case "$SSH_CONNECTION" in *" ${chatty.address} "*) head -c ${200 * MIB} /dev/zero | tr '\\0' x | fold -w 99;; ` +
      `*) for i in 1 2 3 4 5; do echo "tick $i"; sleep 0.2; done;; esac`;
    const baseline = process.memoryUsage().rss;
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 25);
    const endedAt = new Map<string, number>();
    let chattyChars = 0;
    const started = Date.now();
    const report = await fleet.exec(command, {
      timeout: '120s',
      onEvent: (e) => {
        if (e.type === 'output' && e.host === chatty.name) chattyChars += e.line.length;
        if (e.type === 'end') endedAt.set(e.host, Date.now() - started);
      },
    });
    clearInterval(sampler);
    const growthMb = Math.round((peak - baseline) / MIB);
    console.log(
      `runner: 200 MiB host took ${endedAt.get(chatty.name)} ms; others ended by ` +
        `${Math.max(...bench.hosts.slice(1).map((h) => endedAt.get(h.name)!))} ms; controller RSS grew ${growthMb} MB (peak ${Math.round(peak / MIB)} MB)`,
    );
    expect(report.ok).toBe(true);
    expect(chattyChars).toBe(200 * MIB);
    for (const h of bench.hosts.slice(1)) {
      expect(report.get(h.name)!.stdout).toBe('tick 1\ntick 2\ntick 3\ntick 4\ntick 5\n');
      // The quiet hosts finish on their own schedule (~1 s), long before the chatty one.
      expect(endedAt.get(h.name)!).toBeLessThan(endedAt.get(chatty.name)!);
      expect(endedAt.get(h.name)!).toBeLessThan(5_000);
    }
    const big = report.get(chatty.name)!;
    expect(big.truncated).toBe(true);
    expect(big.stdout.length).toBe(MIB);
    expect(growthMb).toBeLessThan(150);
  });

  it('outputEvents: false — no line events, and each result still keeps its output up to the cap', async () => {
    const seen = new Set<string>();
    const report = await fleet.exec(`head -c ${3 * MIB} /dev/zero | tr '\\0' y | fold -w 63; echo err >&2`, {
      outputEvents: false,
      onEvent: (e) => void seen.add(e.type),
    });
    expect(report.ok).toBe(true);
    expect([...seen].sort()).toEqual(['end', 'start']);
    for (const r of report.results) {
      expect(r.truncated).toBe(true);
      expect(r.stdout.length).toBe(MIB);
      expect(r.stdout.startsWith(`${'y'.repeat(63)}\n`)).toBe(true);
      expect(r.stderr).toBe('err\n');
    }
  });
});
