/**
 * The network-shaped rows: one host behind the delay proxy at each round trip, fleet against the ssh2 floor
 * and OpenSSH's own ssh, scp and sftp, alternating in one run. 0 ms is the host directly, no proxy.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startDelayProxy, type DelayProxy } from '../test/bench/delay-proxy.js';
import { writeBenchInventory } from '../test/bench/inventory.js';
import type { Bench, BenchHost } from '../test/bench/hosts.js';
import { compare, type Contender, type Row } from './compare.js';

/** BENCH_CLI: another build of fleet (e.g. a copy of dist from before a change) for before/after runs. */
const CLI = process.env.BENCH_CLI ?? 'dist/cli/fleet.cjs';
const REMOTE = '/tmp/rtt-payload.bin';

const opensshOpts = (key: string) => [
  '-i', key, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
];

export interface RttOptions {
  runs: number;
  rtts: number[];
  mib: number;
  dir: string;
  /** Which rows: exec, put, get (default all). */
  only?: Set<string>;
}

async function rowsAt(bench: Bench, host: BenchHost, rtt: number, payload: string, o: RttOptions): Promise<Row[]> {
  const proxy: DelayProxy | undefined = rtt > 0 ? await startDelayProxy(host, { rttMs: rtt }) : undefined;
  const at: BenchHost = proxy ? { ...host, address: proxy.address, port: proxy.port } : host;
  const dir = join(o.dir, `rtt-${rtt}`);
  mkdirSync(dir, { recursive: true });
  const key = bench.keys.ed25519.path;
  const hostsJson = join(dir, 'hosts.json');
  writeFileSync(hostsJson, JSON.stringify({ key, hosts: [{ address: at.address, port: at.port, user: at.user }] }));
  const inventory = writeBenchInventory(bench, { hosts: [at], dir }).file;
  const fleet = (...args: string[]): Contender => ({
    name: 'fleet',
    cmd: process.execPath,
    args: [CLI, ...args, '-i', inventory, '-o', 'json', '--no-progress'],
  });
  const login = `${at.user}@${at.address}`;
  const sftpBatch = (name: string, line: string) => {
    const file = join(dir, `${name}.sftp`);
    writeFileSync(file, `${line}\n`);
    return { name: 'sftp', cmd: 'sftp', args: ['-q', '-b', file, '-P', String(at.port), ...opensshOpts(key), login] };
  };
  const want = (k: string) => !o.only || o.only.has(k);
  const rows: Row[] = [];
  const label = `${rtt} ms RTT`;
  try {
    if (want('exec')) {
      rows.push(
        await compare(o.runs, `exec true, 1 host, ${label}`, 1, [
          { name: 'floor', cmd: process.execPath, args: ['bench/floor-exec.mjs', hostsJson, 'true'] },
          fleet('exec', 'true'),
          { name: 'ssh', cmd: 'ssh', args: ['-p', String(at.port), ...opensshOpts(key), login, 'true'] },
        ], 'ssh', rtt === 20 ? '≤ 1.0× ssh' : undefined),
      );
    }
    if (want('put')) {
      rows.push(
        await compare(o.runs, `put ${o.mib} MiB, 1 host, ${label}`, 1, [
          { name: 'floor', cmd: process.execPath, args: ['bench/floor-put.mjs', hostsJson, payload, REMOTE] },
          fleet('put', payload, REMOTE),
          { name: 'scp', cmd: 'scp', args: ['-q', '-P', String(at.port), ...opensshOpts(key), payload, `${login}:${REMOTE}`] },
          sftpBatch('put', `put ${payload} ${REMOTE}`),
        ], 'scp', rtt > 0 ? '≤ 1.0× scp' : undefined),
      );
    }
    if (want('get')) {
      const into = join(dir, 'got');
      mkdirSync(into, { recursive: true });
      rows.push(
        await compare(o.runs, `get ${o.mib} MiB, 1 host, ${label}`, 1, [
          { name: 'floor', cmd: process.execPath, args: ['bench/floor-get.mjs', hostsJson, REMOTE, into] },
          fleet('get', REMOTE, into),
          { name: 'scp', cmd: 'scp', args: ['-q', '-P', String(at.port), ...opensshOpts(key), `${login}:${REMOTE}`, join(into, 'scp.bin')] },
          sftpBatch('get', `get ${REMOTE} ${join(into, 'sftp.bin')}`),
        ], 'scp', rtt > 0 ? '≤ 1.0× scp' : undefined),
      );
    }
  } finally {
    await proxy?.close();
  }
  return rows;
}

/** The rows at every round trip in `o.rtts`, on one host of `bench`. */
export async function rttRows(bench: Bench, o: RttOptions): Promise<Row[]> {
  const host = bench.hosts[0]!;
  const payload = join(o.dir, 'rtt-payload.bin');
  const made = await host.exec(`head -c ${o.mib}M /dev/urandom > ${REMOTE} && chown ${host.user} ${REMOTE}`);
  if (made.exitCode !== 0) throw new Error(`bench: could not create ${REMOTE}: ${made.stderr}`);
  writeFileSync(payload, randomBytes(o.mib * 2 ** 20));
  const rows: Row[] = [];
  for (const rtt of o.rtts) rows.push(...(await rowsAt(bench, host, rtt, payload, o)));
  return rows;
}
