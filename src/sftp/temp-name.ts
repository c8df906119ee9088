import { randomBytes } from 'node:crypto';

/**
 * The temporary name an atomic transfer writes to: hidden, in the target's own directory (so the final
 * rename stays within one file system and is atomic), recognisably fleet's, and unguessable (so another
 * user cannot plant a link there in a shared directory such as /tmp).
 */
export function tempNameFor(basename: string): string {
  return `.${basename}.fleet-tmp-${randomBytes(6).toString('hex')}`;
}

/** Matches names made by tempNameFor, e.g. to find leftovers of transfers cut off with their connection. */
export const TEMP_NAME_PATTERN = /^\..+\.fleet-tmp-[0-9a-f]{12}$/;
