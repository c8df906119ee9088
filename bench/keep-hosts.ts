/**
 * Profiling aid: starts N hosts (16 per container), writes <dir>/inventory.yaml and <dir>/hosts.json for them,
 * and keeps them up until SIGTERM/SIGINT. Usage: node --import tsx bench/keep-hosts.ts <n> <dir>
 */
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBench } from '../test/bench/hosts.js';
import { writeInventory } from '../test/runner/support.js';

const n = Number(process.argv[2] ?? 50);
const dir = process.argv[3] ?? '/tmp/fleet-hosts';
mkdirSync(dir, { recursive: true });
const bench = await startBench(n, { hostsPerContainer: 16 });
renameSync(writeInventory(bench).file, join(dir, 'inventory.yaml'));
const { key, hosts } = { key: bench.keys.ed25519.path, hosts: bench.hosts.map(({ address, port, user }) => ({ address, port, user })) };
writeFileSync(join(dir, 'hosts.json'), JSON.stringify({ key, hosts }));
console.log(`${n} hosts up; ${dir}/inventory.yaml`);
const stop = async () => {
  await bench.stop();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
setInterval(() => undefined, 1 << 30);
