/**
 * Counts round trips of one `exec true` through the delay proxy: flights per direction (a burst one way after
 * traffic the other way) for OpenSSH's ssh, the ssh2 floor and fleet, with wall time. A client that waits for
 * an answer before it sends again adds one flight each way.
 * Usage: node --import tsx bench/round-trips.ts [rtt ms, default 80] [runs, default 3]
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDelayProxy } from '../test/bench/delay-proxy.js';
import { startBench } from '../test/bench/hosts.js';
import { writeBenchInventory } from '../test/bench/inventory.js';
import { measure, median } from './measure.js';

const rtt = Number(process.argv[2] ?? 80);
const runs = Number(process.argv[3] ?? 3);
const CLI = process.env.BENCH_CLI ?? 'dist/cli/fleet.cjs';
const bench = await startBench(1);
const host = bench.hosts[0]!;
const proxy = await startDelayProxy(host, { rttMs: rtt });
const dir = mkdtempSync(join(tmpdir(), 'fleet-rt-'));
try {
  const at = { ...host, address: proxy.address, port: proxy.port };
  const key = bench.keys.ed25519.path;
  const hostsJson = join(dir, 'hosts.json');
  writeFileSync(hostsJson, JSON.stringify({ key, hosts: [{ address: at.address, port: at.port, user: at.user }] }));
  const inventory = writeBenchInventory(bench, { hosts: [at], dir }).file;
  const contenders = [
    { name: 'ssh', cmd: 'ssh', args: ['-p', String(at.port), '-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', `${at.user}@${at.address}`, 'true'] },
    { name: 'floor', cmd: process.execPath, args: ['bench/floor-exec.mjs', hostsJson, 'true'] },
    { name: 'fleet', cmd: process.execPath, args: [CLI, 'exec', 'true', '-i', inventory, '-o', 'json', '--no-progress'] },
  ];
  const out: Record<string, { ms: number[]; up: number[]; down: number[]; chunksUp: number[]; chunksDown: number[] }> = {};
  for (let r = 0; r <= runs; r++) {
    for (const c of contenders) {
      proxy.resetStats();
      const s = await measure(c.cmd, c.args);
      const st = proxy.stats();
      if (r === 0) continue; // warm-up: fleet writes its known_hosts and code cache on the first run
      const o = (out[c.name] ??= { ms: [], up: [], down: [], chunksUp: [], chunksDown: [] });
      o.ms.push(s.ms);
      o.up.push(st.up.flights);
      o.down.push(st.down.flights);
      o.chunksUp.push(st.up.chunks);
      o.chunksDown.push(st.down.chunks);
    }
  }
  console.log(`exec true through a ${rtt} ms link, median of ${runs}`);
  console.log('| client | wall ms | wall / RTT | flights up | flights down | reads up | reads down |');
  console.log('|---|---|---|---|---|---|---|');
  for (const [name, o] of Object.entries(out)) {
    const ms = median(o.ms);
    console.log(`| ${name} | ${Math.round(ms)} | ${(ms / rtt).toFixed(1)} | ${median(o.up)} | ${median(o.down)} | ${median(o.chunksUp)} | ${median(o.chunksDown)} |`);
  }
} finally {
  await proxy.close();
  await bench.stop();
}
