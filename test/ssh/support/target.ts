import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchHost } from '../../bench/hosts.js';
import type { SshHostOptions } from '../../../src/ssh/options.js';

/** A fresh known_hosts per test file, so no test trusts a key another test accepted. */
export function tempKnownHosts(): string {
  return join(mkdtempSync(join(tmpdir(), 'fleet-kh-')), 'known_hosts');
}

/** Connection options for a bench host: nothing from the machine (no agent, no ~/.ssh) leaks in. */
export function optionsFor(h: BenchHost, knownHostsFile: string, extra: Partial<SshHostOptions> = {}): SshHostOptions {
  return {
    host: h.name,
    address: h.address,
    port: h.port,
    user: h.user,
    agent: false,
    knownHostsFile,
    hostKeyPolicy: 'accept-new',
    connectTimeoutMs: 5_000,
    ...extra,
  };
}
