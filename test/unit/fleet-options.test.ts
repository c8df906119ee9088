import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Fleet } from '../../src/fleet/fleet.js';

const dir = mkdtempSync(join(tmpdir(), 'fleet-opts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What describe() reports is what the run will use: options over ssh_config, each with its source. */
describe('FleetOptions over ssh_config, as describe() shows them', () => {
  it('identityFile, knownHosts, port, user and forwardAgent given in options are in describe(), marked cli', async () => {
    const fleet = Fleet.fromHosts('web01,web02', {
      sshConfig: false,
      identityFile: 'keys/deploy',
      knownHosts: 'kh',
      port: 2022,
      user: 'ops',
      forwardAgent: true,
    });
    const [h] = fleet.describe();
    expect(h).toMatchObject({ name: 'web01', port: 2022, user: 'ops', identityFile: [resolve('keys/deploy')], knownHosts: resolve('kh'), forwardAgent: true });
    expect(h!.sources).toMatchObject({
      identityFile: { kind: 'cli', at: '-k' },
      knownHosts: { kind: 'cli', at: '--known-hosts' },
      port: { kind: 'cli', at: '-p' },
      user: { kind: 'cli', at: '-u' },
      forwardAgent: { kind: 'cli', at: '-A' },
    });
    await fleet.close();
  });

  it('sshConfig: FILE is read like ssh -F; options still win over it', async () => {
    const file = join(dir, 'config');
    writeFileSync(file, 'Host web01\n  HostName 10.1.2.3\n  Port 2200\n  User cfg\n');
    const fleet = Fleet.fromHosts('web01', { sshConfig: file, port: 2300 });
    expect(fleet.describe()[0]).toMatchObject({ address: '10.1.2.3', port: 2300, user: 'cfg' });
    expect(fleet.describe()[0]!.sources?.address).toEqual({ kind: 'ssh_config', at: `${file}:2` });
    await fleet.close();
  });
});
