import { connect as tcpConnect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectError } from '../../src/errors.js';
import { connect, DEFAULT_CONNECT_TIMEOUT_MS } from '../../src/ssh/connect.js';
import { execCommand } from '../../src/ssh/exec.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

/** TCP connections that never say anything: sshd counts each as an unauthenticated startup until LoginGraceTime. */
async function holdStartups(h: BenchHost, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = tcpConnect(h.port, h.address, () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
}

/**
 * MaxStartups is one of the sshd_config keywords where the last value wins, so the bench's `sshdOptions`
 * (placed first) cannot override the image's generous default: rewrite it in place and have sshd re-read it.
 */
async function setMaxStartups(h: BenchHost, value: string): Promise<void> {
  const listening = async () => ((await h.logs()).match(/Server listening on/g) ?? []).length;
  const before = await listening();
  const r = await h.exec(
    `sed -i 's/^MaxStartups .*/MaxStartups ${value}/' /etc/ssh/fleet_sshd_0.conf && ` +
      `/usr/sbin/sshd -T -f /etc/ssh/fleet_sshd_0.conf | grep -i '^maxstartups ' && kill -HUP "$(cat /run/sshd_0.pid)"`,
  );
  expect(r.stdout.trim()).toBe(`maxstartups ${value}`);
  // After SIGHUP sshd re-executes itself and binds its address again.
  for (let i = 0; (await listening()) <= before; i++) {
    if (i > 100) throw new Error('sshd did not come back after SIGHUP');
    await new Promise((res) => setTimeout(res, 50));
  }
}

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
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, async () => {
        const conn = await connect(optionsFor(h, kh, { identityFiles: [h.keys.ed25519.path], connectTimeoutMs: DEFAULT_CONNECT_TIMEOUT_MS }));
        try {
          return (await execCommand(conn, 'echo in')).stdout.toString().trim();
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
