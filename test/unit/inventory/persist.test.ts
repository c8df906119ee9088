import { describe, expect, it } from 'vitest';
import { persistOptions } from '../../../src/cli/persist.js';
import { withInventoryPersist } from '../../../src/fleet/options.js';
import { configError, parse, yaml } from './helpers.js';

describe('the inventory\'s persist: key', () => {
  it('is a duration (a bare number is seconds); 0 and false are off; absent, it is unset', () => {
    expect(parse(yaml('persist: 10m', 'hosts: [a]')).persist).toBe(600_000);
    expect(parse(yaml('persist: 90', 'hosts: [a]')).persist).toBe(90_000);
    expect(parse(yaml('persist: "1m30s"', 'hosts: [a]')).persist).toBe(90_000);
    expect(parse(yaml('persist: 0', 'hosts: [a]')).persist).toBe(0);
    expect(parse(yaml('persist: false', 'hosts: [a]')).persist).toBe(0);
    expect(parse(yaml('hosts: [a]')).persist).toBeUndefined();
  });

  it('anything else is an inventory error at its file:line:column', () => {
    const hint = 'a duration like 500ms, 10s, 2m or 1h (a bare number means seconds), or 0 or false for off';
    configError(() => parse(yaml('hosts: [a]', 'persist: forever')), `hosts.yaml:2:10: "persist" must be ${hint}; got "forever"`);
    configError(() => parse(yaml('persist: -5', 'hosts: [a]')), `hosts.yaml:1:10: "persist" must be ${hint}; got -5`);
    configError(() => parse(yaml('persist: [10m]', 'hosts: [a]')), `hosts.yaml:1:10: "persist" must be ${hint}; got a list`);
    configError(() => parse(yaml('persits: 10m', 'hosts: [a]')), 'hosts.yaml:1:1: unknown top-level key "persits" — did you mean "persist"?');
  });

  it('the CLI flag wins over $FLEET_PERSIST, which wins over the inventory; 0 from either turns it off', () => {
    const run = (flag: string | undefined, env: NodeJS.ProcessEnv, inventory: number | undefined) => {
      const o = withInventoryPersist(persistOptions(flag, env), inventory);
      return { broker: o.broker ?? false, persist: o.persist };
    };
    expect(run(undefined, {}, 600_000)).toEqual({ broker: true, persist: 600_000 });
    expect(run(undefined, { FLEET_PERSIST: '' }, 600_000)).toEqual({ broker: true, persist: 600_000 });
    expect(run(undefined, { FLEET_PERSIST: '30s' }, 600_000)).toEqual({ broker: true, persist: 30_000 });
    expect(run('5s', { FLEET_PERSIST: '30s' }, 600_000)).toEqual({ broker: true, persist: 5_000 });
    expect(run('0', {}, 600_000)).toEqual({ broker: false, persist: false });
    expect(run(undefined, { FLEET_PERSIST: '0' }, 600_000)).toEqual({ broker: false, persist: false });
    expect(run(undefined, {}, 0)).toEqual({ broker: false, persist: false });
    expect(run(undefined, {}, undefined)).toEqual({ broker: false, persist: false });
    // The library: an explicit broker: false keeps the sessions in the process, whatever the inventory says.
    expect(withInventoryPersist({ broker: false }, 600_000)).toEqual({ broker: false });
    // Through a queue the agents hold the sessions: the inventory's key is not an error there, unlike --persist.
    expect(withInventoryPersist({ queue: 'nats://127.0.0.1:4222' }, 600_000)).toEqual({ queue: 'nats://127.0.0.1:4222' });
  });
});
