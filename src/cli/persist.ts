import { tryParseDuration } from '../core/duration.js';
import type { FleetOptions } from '../fleet/fleet.js';
import { UsageError } from './errors.js';

/**
 * --persist, else $FLEET_PERSIST (so a CI job or a shell profile turns it on for every command), else the
 * inventory's `persist:` (Fleet.fromInventory reads it when `broker` is left unset): the run goes through
 * the session broker, which keeps the sessions that long once idle. 0 is off, and wins over the inventory;
 * an empty variable is as if unset. With none of them, a host's session ends with the command, as it always has.
 */
export function persistOptions(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): Pick<FleetOptions, 'persist' | 'broker'> {
  const text = flag ?? env.FLEET_PERSIST;
  if (text === undefined || text.trim() === '') return { persist: false };
  const ms = tryParseDuration(text, { bareNumber: 'seconds' });
  if (ms === undefined) throw new UsageError(`FLEET_PERSIST=${text}: give a duration like 10m or 1h (0 for off)`);
  return ms > 0 ? { broker: true, persist: ms } : { broker: false, persist: false };
}
