import pLimit from 'p-limit';
import { afterAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from './hosts.js';
import { rawExec } from './raw-ssh.js';

describe('test bench at scale', () => {
  const benches: Bench[] = [];
  afterAll(async () => {
    await Promise.all(benches.map((b) => b.stop()));
  });

  it.each([
    [50, 1],
    [64, 16],
  ])('starts %i distinct hosts (%i per container), each answering by key', async (count, perContainer) => {
    const started = Date.now();
    const bench = await startBench(count, { hostsPerContainer: perContainer });
    benches.push(bench);
    // A number for the notes, not an assertion: timing belongs in bench/, not in tests.
    console.log(`bench: ${count} hosts (${perContainer}/container) up in ${Date.now() - started} ms`);
    expect(bench.hosts).toHaveLength(count);
    expect(new Set(bench.hosts.map((h) => `${h.address}:${h.port}`)).size).toBe(count);
    const limit = pLimit(16);
    const names = await Promise.all(
      bench.hosts.map((h) =>
        limit(() => rawExec({ host: h.address, port: h.port, username: h.user, privateKey: h.keys.ed25519.privateKey }, 'whoami')),
      ),
    );
    expect(names.every((r) => r.stdout === 'fleet\n')).toBe(true);
  });
});
