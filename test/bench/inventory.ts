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
