/**
 * The held-session rows: a library script of several calls against the one-process floor that holds one ssh2
 * connection per host (as paramiko or Fabric scripts do), and many hosts through one bastion whose sshd
 * keeps OpenSSH's default MaxStartups (10:30:100), where a login per target would be dropped.
 */
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import type { Bench, BenchHost } from '../test/bench/hosts.js';
import { writeBenchInventory, writeJumpInventory } from '../test/bench/inventory.js';
import { setMaxStartups } from '../test/bench/max-startups.js';
import { buildRemoteCommand } from '../src/ssh/remote-command.js';
import { compare, type Row } from './compare.js';

/** BENCH_CLI: another build of fleet (e.g. a copy of dist from before a change) for before/after runs. */
const CLI = process.env.BENCH_CLI ?? 'dist/cli/fleet.cjs';

export interface HeldOptions {
  runs: number;
  dir: string;
  hostsFile: (bench: Bench, hosts: BenchHost[]) => string;
}

export async function heldRows(big: Bench, bastion: Bench, o: HeldOptions): Promise<Row[]> {
  const rows: Row[] = [];
  const fifty = big.hosts.slice(0, 50);
  const inventory = writeBenchInventory(big, { hosts: fifty }).file;
  const hosts = o.hostsFile(big, fifty);
  const node = (name: string, ...args: string[]) => ({ name, cmd: process.execPath, args });
  // BENCH_BEFORE_DIST: the library of another build (say, from before sessions were held), same script.
  const before = process.env.BENCH_BEFORE_DIST;
  const beforeScript = (...args: string[]) =>
    before ? [{ name: 'fleet-before', cmd: 'env', args: [`BENCH_DIST=${before}`, process.execPath, 'bench/fleet-script.mjs', ...args] }] : [];
  rows.push(
    await compare(
      o.runs,
      'library script: 5 × exec true, 50 hosts',
      50,
      [
        node('floor', 'bench/floor-held.mjs', hosts, 'exec', '5'),
        node('fleet', 'bench/fleet-script.mjs', inventory, 'exec', '5'),
        ...beforeScript(inventory, 'exec', '5'),
        // The floor running what fleet sends: `true` inside the remote wrapper (group kill, session watchdog).
        // On these co-located hosts its cost is the machine's CPU too; the gap to it is fleet's own.
        {
          name: 'floor-wrapped',
          cmd: 'env',
          args: [`FLOOR_COMMAND=${buildRemoteCommand('true').line}`, process.execPath, 'bench/floor-held.mjs', hosts, 'exec', '5'],
        },
      ],
      'floor',
      '≤ 1.15× held floor',
    ),
  );
  const payload = join(o.dir, 'deploy-payload.bin');
  writeFileSync(payload, randomBytes(10 * 1024 * 1024));
  rows.push(
    await compare(
      o.runs,
      'library deploy: put 10 MiB, 3 execs, get, 50 hosts',
      50,
      [
        node('floor', 'bench/floor-held.mjs', hosts, 'deploy', payload),
        node('fleet', 'bench/fleet-script.mjs', inventory, 'deploy', payload),
        ...beforeScript(inventory, 'deploy', payload),
      ],
      'floor',
      '≤ 1.15× held floor',
    ),
  );
  await setMaxStartups(bastion.hosts[0]!, '10:30:100');
  const targets = big.hosts.slice(0, Math.min(150, big.hosts.length));
  const jump = writeJumpInventory(bastion, big, targets);
  // A failed host fails the command (exit 1), so a row at all means every host succeeded.
  rows.push(
    await compare(
      o.runs,
      `exec true, ${targets.length} hosts via one bastion (MaxStartups 10:30:100), -f 64`,
      targets.length,
      [node('fleet', CLI, 'exec', 'true', '-i', jump, '-l', 'targets', '-f', '64', '-o', 'json', '--no-progress')],
      'fleet',
      `${targets.length}/${targets.length} ok`,
    ),
  );
  return rows;
}
