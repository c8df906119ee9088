import { describe, expect, it } from 'vitest';
import { loadInventory } from '../../../src/inventory/index.js';
import { OPTIONS, configErrorAsync, fixture } from './helpers.js';

/** The fixtures are real programs (a #! line and the executable bit), run the way Ansible's script plugin runs them. */
describe('executable (dynamic) inventories', () => {
  it('runs the program with --list and reads groups, children, group vars and _meta.hostvars', async () => {
    const inv = await loadInventory(fixture('script/dynamic.py'), OPTIONS);
    expect(inv.hosts.map((h) => [h.name, h.address, h.port, h.user, h.groups.join(',')])).toEqual([
      ['app1', '10.0.1.1', 22, 'fleet', 'app,prod'],
      ['app2', '10.0.1.2', 22, 'fleet', 'app,prod'],
      ['cache1', '10.0.2.1', 2222, 'fleet', 'cache,prod'],
    ]);
    expect(inv.groups.get('prod')?.hosts).toEqual(['app1', 'app2', 'cache1']);
  });

  it('without _meta, asks --host NAME for every host', async () => {
    const inv = await loadInventory(fixture('script/no-meta.sh'), OPTIONS);
    expect(inv.hosts.map((h) => `${h.name}=${h.address}:${h.port}`)).toEqual(['w1=10.0.3.1:2201', 'w2=10.0.3.2:2202']);
  });

  it('a non-zero exit is a ConfigError with the program\'s stderr', async () => {
    await configErrorAsync(
      () => loadInventory(fixture('script/fails.sh'), OPTIONS),
      'inventory program ./test/fixtures/inventory/script/fails.sh --list exited with 3; its stderr:\nERROR: cannot reach the cloud API: credentials expired (run cloud-login)',
    );
  });

  it('bad JSON is a ConfigError showing what was printed and the stderr', async () => {
    const err = await loadInventory(fixture('script/bad-json.sh'), OPTIONS).catch((e: Error) => e);
    expect((err as Error).message).toMatch(/^inventory program \.\/test\/fixtures\/inventory\/script\/bad-json\.sh --list printed invalid JSON \(.+\) on stdout: "\{\\"web\\".*; its stderr:\nwarning: deprecated option$/);
  });

  it('a program that hangs is killed at the timeout, with its stderr', async () => {
    await configErrorAsync(
      () => loadInventory(fixture('script/hangs.sh'), { ...OPTIONS, scriptTimeoutMs: 500 }),
      'inventory program ./test/fixtures/inventory/script/hangs.sh --list did not finish within 0.5 s and was killed; its stderr:\nquerying the API…',
    );
  });
});
