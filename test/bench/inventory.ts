import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bench, BenchHost } from './hosts.js';

export interface BenchInventoryOptions {
  /** Which bench hosts, in order (default: all of them). */
  hosts?: BenchHost[];
  /** Inventory names instead of the bench's h01, h02, … (same order). */
  names?: string[];
  /** false: no password and no key in the file (for --ask-pass). Default true. */
  credentials?: boolean;
  /** Where inventory.yaml and its known_hosts go (default: a fresh temporary directory). */
  dir?: string;
}

/**
 * A real fleet inventory for bench hosts, as an operator would write it: each host with its own password,
 * the run's ed25519 key, and a known_hosts of its own beside the file (accept-new).
 */
export function writeBenchInventory(bench: Bench, options: BenchInventoryOptions = {}): { file: string; dir: string } {
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'fleet-inv-'));
  const withCredentials = options.credentials ?? true;
  const lines = [
    'defaults:',
    '  user: fleet',
    '  agent: false',
    `  identityFile: ${withCredentials ? bench.keys.ed25519.path : '[]'}`,
    `  knownHosts: ${join(dir, 'known_hosts')}`,
    '  hostKeyPolicy: accept-new',
    '  connectTimeout: 5s',
    'hosts:',
    ...(options.hosts ?? bench.hosts).map((h, i) => {
      const name = options.names?.[i] ?? h.name;
      const password = withCredentials ? `, password: '${h.password}'` : '';
      return `  ${name}: { address: ${h.address}, port: ${h.port}${password} }`;
    }),
  ];
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, dir };
}

/**
 * Bench hosts reached through a bastion (another bench's host), as a site behind one jump host is written:
 * the targets in group `targets` with `jump: bastion`, the bastion an inventory host of its own. Key login.
 */
export function writeJumpInventory(bastion: Bench, targets: Bench, hosts: BenchHost[] = targets.hosts, file = 'jump.yaml'): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-inv-'));
  const b = bastion.hosts[0]!;
  const lines = [
    'defaults:',
    '  user: fleet',
    '  agent: false',
    `  identityFile: ${targets.keys.ed25519.path}`,
    `  knownHosts: ${join(dir, 'known_hosts')}`,
    '  hostKeyPolicy: accept-new',
    'hosts:',
    `  bastion: { address: ${b.address}, port: ${b.port}, identityFile: ${bastion.keys.ed25519.path} }`,
    'groups:',
    '  targets:',
    '    vars: { jump: bastion }',
    '    hosts:',
    ...hosts.map((h) => `      ${h.name}: { address: ${h.address}, port: ${h.port} }`),
  ];
  const path = join(dir, file);
  writeFileSync(path, `${lines.join('\n')}\n`);
  return path;
}
