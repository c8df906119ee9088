import { describe, expect, it } from 'vitest';
import { persistOptions } from '../../../src/cli/persist.js';

describe('--persist and FLEET_PERSIST', () => {
  it('run through the broker for a duration; the flag wins over the environment', () => {
    expect(persistOptions('10m', {})).toEqual({ broker: true, persist: 600_000 });
    expect(persistOptions(undefined, { FLEET_PERSIST: '90' })).toEqual({ broker: true, persist: 90_000 });
    expect(persistOptions('30s', { FLEET_PERSIST: '1h' })).toEqual({ broker: true, persist: 30_000 });
  });

  it('are off when absent, empty or 0 (0 decides: the inventory cannot turn it on), and a bad variable is a usage error', () => {
    expect(persistOptions(undefined, {})).toEqual({ persist: false });
    expect(persistOptions(undefined, { FLEET_PERSIST: '' })).toEqual({ persist: false });
    expect(persistOptions('0', {})).toEqual({ broker: false, persist: false });
    expect(() => persistOptions(undefined, { FLEET_PERSIST: 'forever' })).toThrow(/FLEET_PERSIST=forever/);
  });
});
