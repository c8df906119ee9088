import { existsSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';

/**
 * Which inventory to use when the command line names none: `$FLEET_INVENTORY`, then `./inventory.yaml`, then
 * `./fleet.yaml`. A path the operator gave explicitly (flag or variable) must exist: falling through to some
 * other file would run against hosts they did not mean.
 */

export const DEFAULT_INVENTORY_FILES: readonly string[] = ['inventory.yaml', 'fleet.yaml'];

export interface ResolveOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  exists?: (file: string) => boolean;
}

export function resolveInventoryPath(explicit?: string, options: ResolveOptions = {}): string {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const exists = options.exists ?? existsSync;
  const at = (file: string): string => path.resolve(cwd, file);
  if (explicit !== undefined && explicit !== '') {
    if (exists(at(explicit))) return explicit;
    throw new ConfigError(`inventory file ${explicit} not found (given with -i) — check the path`, { file: explicit });
  }
  const fromEnv = env.FLEET_INVENTORY;
  if (fromEnv !== undefined && fromEnv !== '') {
    if (exists(at(fromEnv))) return fromEnv;
    throw new ConfigError(`inventory file ${fromEnv} not found (from $FLEET_INVENTORY) — fix the variable or unset it`, {
      file: fromEnv,
    });
  }
  const tried: string[] = [];
  for (const name of DEFAULT_INVENTORY_FILES) {
    const file = options.cwd === undefined ? name : path.join(options.cwd, name);
    if (exists(at(file))) return file;
    tried.push(`./${name}`);
  }
  throw new ConfigError(
    `no inventory found (tried $FLEET_INVENTORY (unset), ${tried.join(', ')}) — pass -i FILE, set FLEET_INVENTORY, or give hosts with -H`,
  );
}
