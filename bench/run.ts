/**
 * `npm run bench`: fleet against the one-process ssh2 floor (and OpenSSH-based peers where installed), on
 * the same containerised hosts in one run, alternating runs, medians after a warm-up. DESIGN.md §9.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { startBench, type Bench, type BenchHost } from '../test/bench/hosts.js';
import { writeInventory } from '../test/runner/support.js';
import { DEFAULT_CHUNK_SIZE, DEFAULT_CONCURRENCY } from '../src/sftp/defaults.js';
import { compare as compareRuns, table, type Contender, type Row } from './compare.js';
import { heldRows } from './held.js';
import { persistRows } from './persist.js';
import { queueRows } from './queue.js';
import { writeQueueInventory } from '../test/queue/support.js';
import { rttRows } from './rtt.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const MAX_HOSTS = Number(process.env.BENCH_MAX_HOSTS ?? 1000);
/**
 * BENCH_ONLY=rtt: only the network-shaped rows (one host; BENCH_RTT=0,20,80, BENCH_RTT_ROWS=exec,put,get).
 * BENCH_ONLY=held: only the held-session rows (library scripts, hosts behind one bastion); =persist: --persist;
 * =queue: BENCH_MAX_HOSTS (1,000) hosts through 2 agents on NATS JetStream vs one local controller.
 */
const ONLY = process.env.BENCH_ONLY;
const RTTS = (process.env.BENCH_RTT ?? '0,20,80').split(',').map(Number);
const RTT_ROWS = process.env.BENCH_RTT_ROWS ? new Set(process.env.BENCH_RTT_ROWS.split(',')) : undefined;
const RTT_MIB = Number(process.env.BENCH_RTT_MIB ?? 100);
/** BENCH_CLI: another build of fleet (e.g. a copy of dist from before a change) for before/after runs. */
const CLI = process.env.BENCH_CLI ?? 'dist/cli/fleet.cjs';
const dir = mkdtempSync(join(tmpdir(), 'fleet-bench-'));

function hostsFile(bench: Bench, hosts: BenchHost[]): string {
  const file = join(dir, `hosts-${hosts.length}.json`);
  writeFileSync(file, JSON.stringify({ key: bench.keys.ed25519.path, hosts: hosts.map(({ address, port, user }) => ({ address, port, user })) }));
  return file;
}

function fleetExec(inventory: string, command: string): Contender {
  return { name: 'fleet', cmd: process.execPath, args: [CLI, 'exec', command, '-i', inventory, '-o', 'json', '--no-progress'] };
}

function has(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const SSH_OPTS = (key: string, port: number) => [
  '-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR',
];

function peers(bench: Bench, hosts: BenchHost[], command: string): Contender[] {
  const key = bench.keys.ed25519.path;
  const port = hosts[0]!.port; // the bench gives every host the same port on its own address
  const list = join(dir, `peers-${hosts.length}.txt`);
  writeFileSync(list, hosts.map((h) => `${h.address}\n`).join(''));
  const out: Contender[] = [];
  if (has('parallel-ssh')) {
    out.push({ name: 'pssh', cmd: 'parallel-ssh', args: ['-h', list, '-l', 'fleet', '-p', '64', '-t', '60', ...SSH_OPTS(key, port).flatMap((o) => ['-x', o]), command] });
  }
  if (has('clush')) {
    out.push({
      name: 'clush',
      cmd: 'clush',
      args: ['-w', hosts.map((h) => h.address).join(','), '-l', 'fleet', '-f', '64', '-o', SSH_OPTS(key, port).join(' '), command],
    });
  }
  return out;
}

function compare(scenario: string, contenders: Contender[], base: string, target?: string): Promise<Row> {
  const hosts = Number(/(\d+) hosts?/.exec(scenario)?.[1] ?? 1);
  return compareRuns(RUNS, scenario, hosts, contenders, base, target);
}

async function rttOnly(): Promise<Row[]> {
  const solo = await startBench(1);
  try {
    return await rttRows(solo, { runs: RUNS, rtts: RTTS, mib: RTT_MIB, dir, ...(RTT_ROWS ? { only: RTT_ROWS } : {}) });
  } finally {
    await solo.stop();
  }
}

/** BENCH_ONLY=persist: only the --persist rows (200 warm hosts). */
async function persistOnly(): Promise<Row[]> {
  const big = await startBench(200, { hostsPerContainer: 16, startConcurrency: 4 });
  try {
    return await persistRows(big, big.hosts, { runs: RUNS, dir, hostsFile, has });
  } finally {
    await big.stop();
  }
}

async function queueOnly(): Promise<Row[]> {
  const big = await startBench(MAX_HOSTS, { hostsPerContainer: 16, startConcurrency: 4 });
  try {
    return await queueRows(writeQueueInventory(big).file, MAX_HOSTS, { runs: RUNS });
  } finally {
    await big.stop();
  }
}

async function heldOnly(): Promise<Row[]> {
  const [big, solo] = await Promise.all([startBench(150, { hostsPerContainer: 16, startConcurrency: 4 }), startBench(1)]);
  try {
    return await heldRows(big, solo, { runs: RUNS, dir, hostsFile });
  } finally {
    await Promise.all([big.stop(), solo.stop()]);
  }
}

async function main(): Promise<void> {
  const only: Record<string, () => Promise<Row[]>> = { rtt: rttOnly, held: heldOnly, persist: persistOnly, queue: queueOnly };
  const rows = ONLY ? await (only[ONLY] ?? everything)() : await everything();
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}`;
  const out = ONLY ? `bench/results-${ONLY}.json` : 'bench/results.json';
  writeFileSync(out, `${JSON.stringify({ date: new Date().toISOString(), machine, runs: RUNS, rows }, null, 2)}\n`);
  console.log(`\n${machine}; median of ${RUNS} runs after a warm-up, ms\n`);
  console.log(table(rows));
}

async function everything(): Promise<Row[]> {
  const started = Date.now();
  console.error(`bench: starting ${MAX_HOSTS} hosts (16 per container)…`);
  const big = await startBench(MAX_HOSTS, { hostsPerContainer: 16, startConcurrency: 4 });
  const solo = await startBench(1);
  console.error(`bench: hosts up in ${Date.now() - started} ms`);
  const rows: Row[] = [];
  try {
    const one = solo.hosts;
    const h = one[0]!;
    rows.push(
      await compare(
        'exec true, 1 host',
        [
          { name: 'floor', cmd: process.execPath, args: ['bench/floor-exec.mjs', hostsFile(solo, one), 'true'] },
          fleetExec(writeInventory(solo).file, 'true'),
          { name: 'openssh', cmd: 'ssh', args: [...SSH_OPTS(solo.keys.ed25519.path, h.port), `fleet@${h.address}`, 'true'] },
        ],
        'openssh',
        '≤ 1.25× ssh, ≤ 0.35 s',
      ),
    );
    for (const n of [50, 200].filter((n) => n <= MAX_HOSTS)) {
      const hosts = big.hosts.slice(0, n);
      rows.push(
        await compare(
          `exec true, ${n} hosts`,
          [
            { name: 'floor', cmd: process.execPath, args: ['bench/floor-exec.mjs', hostsFile(big, hosts), 'true'] },
            fleetExec(writeInventory(big, hosts).file, 'true'),
            ...peers(big, hosts, 'true'),
          ],
          'floor',
          '≤ 1.10× floor',
        ),
      );
    }
    const payload = join(dir, 'payload.bin');
    writeFileSync(payload, randomBytes(10 * 1024 * 1024));
    const fifty = big.hosts.slice(0, Math.min(50, MAX_HOSTS));
    const fleetPut = [CLI, 'put', payload, '/tmp/'];
    const inventory = writeInventory(big, fifty).file;
    const floorPut = ['bench/floor-put.mjs', hostsFile(big, fifty), payload, '/tmp/payload.bin'];
    rows.push(
      await compare(
        `put 10 MiB, ${fifty.length} hosts`,
        [
          { name: 'floor', cmd: process.execPath, args: floorPut },
          { name: 'fleet', cmd: process.execPath, args: [...fleetPut, '-i', inventory, '-o', 'json', '--no-progress'] },
          // Where the gain comes from: the floor with fleet's SFTP window, and fleet without its atomic rename.
          { name: 'floor-512k', cmd: process.execPath, args: [...floorPut, '64', String(DEFAULT_CHUNK_SIZE), String(DEFAULT_CONCURRENCY)] },
          { name: 'fleet-in-place', cmd: process.execPath, args: [...fleetPut, '-i', inventory, '-o', 'json', '--no-progress', '--no-atomic'] },
        ],
        'floor',
        '≤ 0.90× floor',
      ),
    );
    if (MAX_HOSTS >= 1000) {
      rows.push(
        await compare(
          'exec true, 1000 hosts',
          [
            { name: 'floor', cmd: process.execPath, args: ['bench/floor-exec.mjs', hostsFile(big, big.hosts), 'true'] },
            fleetExec(writeInventory(big).file, 'true'),
          ],
          'floor',
          'RSS ≤ 300 MB',
        ),
      );
      rows.push(...(await queueRows(writeQueueInventory(big).file, big.hosts.length, { runs: RUNS })));
    }
    // The bastion of the held rows is the solo host: MaxStartups does not touch the one-host rows after it.
    if (MAX_HOSTS >= 150) rows.push(...(await heldRows(big, solo, { runs: RUNS, dir, hostsFile })));
    if (MAX_HOSTS >= 200) rows.push(...(await persistRows(big, big.hosts.slice(0, 200), { runs: RUNS, dir, hostsFile, has })));
    rows.push(...(await rttRows(solo, { runs: RUNS, rtts: RTTS, mib: RTT_MIB, dir, ...(RTT_ROWS ? { only: RTT_ROWS } : {}) })));
  } finally {
    await Promise.all([big.stop(), solo.stop()]);
  }
  return rows;
}

await main();
