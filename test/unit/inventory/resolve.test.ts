import { describe, expect, it } from 'vitest';
import { resolveInventoryPath } from '../../../src/inventory/index.js';
import { configError } from './helpers.js';

const having = (...files: string[]) => (file: string): boolean => files.includes(file);

describe('resolveInventoryPath', () => {
  it('uses an explicit path first', () => {
    const options = { cwd: '/w', env: { FLEET_INVENTORY: 'env.yaml' }, exists: having('/w/mine.yaml', '/w/env.yaml') };
    expect(resolveInventoryPath('mine.yaml', options)).toBe('mine.yaml');
  });

  it('then $FLEET_INVENTORY, then ./inventory.yaml, then ./fleet.yaml', () => {
    const all = having('/w/env.yaml', '/w/inventory.yaml', '/w/fleet.yaml');
    expect(resolveInventoryPath(undefined, { cwd: '/w', env: { FLEET_INVENTORY: 'env.yaml' }, exists: all })).toBe('env.yaml');
    expect(resolveInventoryPath(undefined, { cwd: '/w', env: {}, exists: all })).toBe('/w/inventory.yaml');
    expect(resolveInventoryPath(undefined, { cwd: '/w', env: {}, exists: having('/w/fleet.yaml') })).toBe('/w/fleet.yaml');
    expect(resolveInventoryPath(undefined, { env: {}, exists: (f) => f.endsWith('/fleet.yaml') })).toBe('fleet.yaml');
  });

  it('does not fall through when the given path is missing', () => {
    const exists = having('/w/inventory.yaml');
    configError(() => resolveInventoryPath('typo.yaml', { cwd: '/w', env: {}, exists }), 'inventory file typo.yaml not found (given with -i) — check the path');
    configError(
      () => resolveInventoryPath(undefined, { cwd: '/w', env: { FLEET_INVENTORY: 'gone.yaml' }, exists }),
      'inventory file gone.yaml not found (from $FLEET_INVENTORY) — fix the variable or unset it',
    );
  });

  it('lists what it tried when nothing exists', () => {
    configError(
      () => resolveInventoryPath(undefined, { cwd: '/w', env: {}, exists: () => false }),
      'no inventory found (tried $FLEET_INVENTORY (unset), ./inventory.yaml, ./fleet.yaml) — pass -i FILE, set FLEET_INVENTORY, or give hosts with -H',
    );
  });
});
