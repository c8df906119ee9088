/**
 * The --persist rows: `fleet exec --persist` on warm hosts against OpenSSH with a warm ControlMaster /
 * ControlPersist socket per host (driven by `xargs -P 64 ssh` and by parallel-ssh), and against an exec round
 * on held ssh2 connections (the floor: one process, connected first, then one round timed); then the first
 * (cold) --persist run against a plain run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Bench, BenchHost } from '../test/bench/hosts.js';
import { writeBenchInventory } from '../test/bench/inventory.js';
import { compare, type Contender, type Row } from './compare.js';
import { median } from './measure.js';

const CLI = process.env.BENCH_CLI ?? 'dist/cli/fleet.cjs';

export interface PersistOptions {
  runs: number;
  dir: string;
  hostsFile: (bench: Bench, hosts: BenchHost[]) => string;
  has: (cmd: string) => boolean;
}

/** One exec round on held ssh2 connections, timed inside the process (connecting is not part of it). */
function heldRoundMs(hostsFile: string, runs: number): number {
  const out = execFileSync(process.execPath, ['bench/floor-held.mjs', hostsFile, 'round', String(runs)], { encoding: 'utf8' });
  return median((JSON.parse(out) as { rounds: number[] }).rounds);
}

export async function persistRows(bench: Bench, hosts: BenchHost[], o: PersistOptions): Promise<Row[]> {
  const n = hosts.length;
  const inventory = writeBenchInventory(bench, { hosts }).file;
  const runtime = mkdtempSync(join(o.dir, 'xdg-'));
  const fleet = (name: string, env: string[], ...extra: string[]): Contender => ({
    name,
    cmd: 'env',
    args: [...env, process.execPath, CLI, 'exec', 'true', '-i', inventory, '-o', 'json', '--no-progress', ...extra],
  });
  const key = bench.keys.ed25519.path;
  const port = hosts[0]!.port;
  const list = join(o.dir, `persist-hosts-${n}.txt`);
  writeFileSync(list, hosts.map((h) => `${h.address}\n`).join(''));
  const control = ['-o', 'ControlMaster=auto', '-o', `ControlPath=${join(o.dir, 'cm-%C')}`, '-o', 'ControlPersist=10m'];
  const sshOpts = ['-i', key, '-p', String(port), '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', ...control];
  const peers: Contender[] = [
    { name: 'xargs-ssh-cp', cmd: 'sh', args: ['-c', `xargs -P 64 -I{} ssh ${sshOpts.join(' ')} fleet@{} true < ${list}`] },
  ];
  if (o.has('parallel-ssh')) {
    peers.push({ name: 'pssh-cp', cmd: 'parallel-ssh', args: ['-h', list, '-l', 'fleet', '-p', '64', '-t', '60', ...sshOpts.flatMap((x) => ['-x', x]), 'true'] });
  }
  const warm = await compare(o.runs, `exec true, ${n} warm hosts, --persist (held by the broker)`, n, [
    fleet('fleet', [`XDG_RUNTIME_DIR=${runtime}`], '--persist', '10m'),
    ...peers,
  ], peers[0]!.name, '≤ 0.45 s, ≥ 1.5× faster than the faster ControlPersist peer');
  // The target is against whichever peer was faster in this run.
  const fastest = peers.map((p) => p.name).sort((a, b) => warm.medians[a]! - warm.medians[b]!)[0]!;
  warm.versus = fastest;
  warm.ratio = Math.round((warm.medians.fleet! / warm.medians[fastest]!) * 100) / 100;
  warm.medians.floor = Math.round(heldRoundMs(o.hostsFile(bench, hosts), o.runs));
  // A fresh runtime directory per run: each cold run starts its own broker (gone 3 s after it).
  const cold = await compare(o.runs, `exec true, ${n} hosts, first --persist run (cold) vs plain`, n, [
    fleet('plain', []),
    {
      name: 'fleet',
      cmd: 'sh',
      args: ['-c', `XDG_RUNTIME_DIR=$(mktemp -d -p ${o.dir}) exec "$0" "$@" --persist 3s`, ...fleet('fleet', []).args.slice(0)],
    },
  ], 'plain', '≤ 1.10× plain');
  execFileSync('env', [`XDG_RUNTIME_DIR=${runtime}`, process.execPath, CLI, 'sessions', '--stop'], { stdio: 'ignore' });
  return [warm, cold];
}
