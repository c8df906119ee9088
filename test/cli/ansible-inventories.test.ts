import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { fixture } from '../unit/inventory/helpers.js';
import { closeCliBench, openCliBench, runCli, summaryOf, tempDir } from './support.js';

/** `-i hosts.ini` and `-i ./inventory.py` as an Ansible shop has them, run against real sshd. */
describe('fleet CLI with Ansible INI and executable inventories', () => {
  let bench: Bench;
  let dir: string;
  const env = () => ({ SSH_AUTH_SOCK: '', HOME: dir });
  beforeAll(async () => {
    ({ bench } = await openCliBench(3));
    dir = tempDir();
  });
  afterAll(() => closeCliBench(bench));

  it('-i hosts.ini (detected by content, no extension needed): groups, children, vars, ansible_* keys', async () => {
    const [a, b, c] = bench.hosts;
    const ini = join(dir, 'hosts');
    writeFileSync(
      ini,
      [
        `bastion ansible_host=${c!.address} ansible_port=${c!.port}`,
        '',
        '[web]',
        `web1 ansible_host=${a!.address} ansible_port=${a!.port}`,
        `web2 ansible_host=${b!.address} ansible_port=${b!.port}`,
        '',
        '[prod:children]',
        'web',
        '',
        '[all:vars]',
        'ansible_user=fleet',
        `ansible_ssh_private_key_file=${bench.keys.ed25519.path}`,
        '',
      ].join('\n'),
    );
    const r = await runCli(['exec', '-i', ini, '-l', 'prod', '--known-hosts', join(dir, 'kh'), 'echo $(id -un)'], { env: env() });
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n').sort()).toEqual(['web1 | fleet', 'web2 | fleet']);
    const bad = join(dir, 'broken.ini');
    writeFileSync(bad, '[web]\nweb1 ansible_port=22 oops\n');
    const e = await runCli(['exec', '-i', bad, 'true'], { env: env() });
    expect(e.code).toBe(2);
    expect(e.stderr).toBe(`fleet: ${bad}:2:22: expected key=value after host web1, got "oops" — quote values with spaces\n`);
  });

  it('-i ./dynamic.py: run with --list, its _meta.hostvars used; ~regex and subscripts select from it', async () => {
    const hosts = bench.hosts.map((h, i) => ({ name: `node${i + 1}`, address: h.address, port: h.port }));
    const program = fixture('script/dynamic.py');
    const run = (args: string[]) =>
      runCli(['exec', '-i', program, '-k', bench.keys.ed25519.path, '--known-hosts', join(dir, 'kh'), ...args], {
        env: { ...env(), FLEET_TEST_HOSTS: JSON.stringify(hosts) },
      });
    const all = await run(['hostname >/dev/null && echo up']);
    expect(all.code).toBe(0);
    expect(all.stdout.trim().split('\n').sort()).toEqual(['node1 | up', 'node2 | up', 'node3 | up']);
    const some = await run(['-l', '~node[12]:!app[0]', 'echo picked']);
    expect(some.code).toBe(0);
    expect(some.stdout.trim()).toBe('node2 | picked');
  });

  it('a dynamic inventory that fails, or prints bad JSON, is exit 2 with the program\'s stderr; nothing runs', async () => {
    const fails = await runCli(['exec', '-i', fixture('script/fails.sh'), 'true'], { env: env() });
    expect(fails.code).toBe(2);
    expect(fails.stderr).toMatch(/fails\.sh --list exited with 3; its stderr:\nERROR: cannot reach the cloud API: credentials expired \(run cloud-login\)\n$/);
    expect(summaryOf(fails.stderr)).toBeUndefined();
    const json = await runCli(['exec', '-i', fixture('script/bad-json.sh'), 'true'], { env: env() });
    expect(json.code).toBe(2);
    expect(json.stderr).toMatch(/bad-json\.sh --list printed invalid JSON .*; its stderr:\nwarning: deprecated option\n$/);
  });

  it('a file without the executable bit is read, not run', async () => {
    const file = join(dir, 'inv.sh');
    writeFileSync(file, '#!/bin/sh\necho {}\n');
    chmodSync(file, 0o644);
    const r = await runCli(['hosts', '-i', file], { env: env() });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(/inventory program/);
  });
});
