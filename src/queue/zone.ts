import { ConfigError } from '../core/errors.js';

/** Hosts without an inventory variable `zone` go to the agents started without --zone. */
export const DEFAULT_ZONE = 'default';

/** A zone is one subject token (`fleet.batch.<zone>`) and one consumer name. */
export function checkZone(zone: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(zone)) throw new ConfigError(`zone "${zone}": use letters, digits, - and _ only`);
  return zone;
}
