import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { startDelayProxy, type DelayProxy } from '../bench/delay-proxy.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

const MiB = 1024 * 1024;

/**
 * A keepalive's answer queues behind the channel data sent before it. A client that takes output in slower
 * than the host sends it (a narrow link here; a controller busy with 64 chatty hosts in practice: -o ndjson
 * to a file had 28 of 64 hosts reported "stopped answering keepalives") must not call a talking host dead.
 * As OpenSSH counts keepalives sent without any message back, ssh2 (patched) counts any packet as an answer.
 */
describe('keepalive while output is still arriving', () => {
  let bench: Bench;
  let host: BenchHost;
  let narrow: DelayProxy;
  const kh = tempKnownHosts();

  beforeAll(async () => {
    bench = await startBench(1);
    host = bench.hosts[0]!;
    // 2 MiB (ssh2's channel window) ahead of an answer take ~1.3 s to cross: far past 3 × 250 ms.
    narrow = await startDelayProxy(host, { rttMs: 2, bytesPerSecond: 1.5 * MiB });
  });
  afterAll(async () => {
    await narrow?.close();
    await bench?.stop();
  });

  const tight = { keepaliveIntervalMs: 250, keepaliveCountMax: 2 };

  it('a host whose output arrives slower than it sends it is not declared dead', async () => {
    const conn = await connect(optionsFor({ ...host, address: narrow.address, port: narrow.port }, kh, { password: host.password, ...tight }));
    try {
      const r = await runRemoteCommand(conn, `head -c ${6 * MiB} /dev/zero`);
      expect(r.error).toBeUndefined();
      expect(r.exitCode).toBe(0);
      expect(r.stdout.length).toBe(6 * MiB);
    } finally {
      await conn.close();
    }
  });

  it('a host that freezes in the middle of its output is still found out by the keepalives', async () => {
    const conn = await connect(optionsFor(host, kh, { password: host.password, ...tight }));
    try {
      let frozen: Promise<void> | undefined;
      const r = await runRemoteCommand(conn, 'while :; do echo tick; sleep 0.05; done', {
        onStdout: () => void (frozen ??= host.pause()),
      });
      await frozen;
      expect(r.error?.message).toMatch(/stopped answering keepalives/);
    } finally {
      await host.unpause();
      await conn.close();
    }
  });
});
