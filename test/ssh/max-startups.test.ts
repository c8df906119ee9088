import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../src/core/errors.js';
import { connect } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { holdStartups, setMaxStartups } from '../bench/max-startups.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

describe('ssh: sshd MaxStartups throttling (defect 9)', () => {
  let bench: Bench;
  let h: BenchHost;
  beforeAll(async () => {
    // Beyond 2 connections still logging in, sshd drops every new one before its banner.
    bench = await startBench(1);
    h = bench.hosts[0]!;
    await setMaxStartups(h, '2:100:2');
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('30 connects at once to a host that admits 2 at a time: every one gets in, backing off within the connect timeout', async () => {
    const kh = tempKnownHosts();
    // 15 rounds of 2 logins need ~3 s here; the budget is generous because the machine's cores are shared.
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, async () => {
        const conn = await connect(optionsFor(h, kh, { identityFiles: [h.keys.ed25519.path], connectTimeoutMs: 20_000 }));
        try {
          return (await runRemoteCommand(conn, 'echo in')).stdout.toString().trim();
        } finally {
          await conn.close();
        }
      }),
    );
    const failures = results.flatMap((r) => (r.status === 'rejected' ? [String((r.reason as Error).message)] : []));
    expect(failures).toEqual([]);
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : ''))).toEqual(Array(30).fill('in'));
    // The throttling really happened (so the 30 successes mean the back-off worked, not that sshd let all in).
    expect(await h.logs()).toMatch(/past MaxStartups/);
  });

  it('throttling that outlasts the connect timeout fails as throttled, naming MaxStartups and -f', async () => {
    const held = await holdStartups(h, 2);
    try {
      const err = await connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path], connectTimeoutMs: 1_500 })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(ConnectError);
      const e = err as ConnectError;
      expect(e.host).toBe(h.name);
      expect(e.details.reason).toBe('throttled');
      expect(e.message).toContain(`${h.name}: ${h.address}:${h.port} dropped the connection before the SSH banner`);
      expect(e.message).toContain('sshd MaxStartups');
      expect(e.message).toContain('lower -f/--forks');
      expect(e.message).not.toMatch(/down or hung/);
    } finally {
      for (const s of held) s.destroy();
    }
  });
});
