import { createHash } from 'node:crypto';
import ssh2, { type ParsedKey } from 'ssh2';

/**
 * Parsing a private key costs ~0.3 ms of CPU (ed25519: PEM rebuild plus public-key derivation), and a run
 * used to pay it twice per host: once to explain a bad key, once more inside ssh2. Every host of an inventory
 * usually shares one identity file, so one parse per process serves the whole run, and ssh2 takes the parsed
 * object as it is. Keyed by a digest of key bytes and passphrase, so an edited or re-encrypted key file is
 * parsed afresh and no secret is kept as a map key.
 */
const cache = new Map<string, ParsedKey | Error>();
const LIMIT = 64;

export function parseKeyCached(data: Buffer | string, passphrase: string | undefined): ParsedKey | Error {
  const id = createHash('sha256')
    .update(data)
    .update(passphrase === undefined ? '\0' : `\x01${passphrase}`)
    .digest('base64');
  const hit = cache.get(id);
  if (hit) return hit;
  const parsed = ssh2.utils.parseKey(data, passphrase);
  const key = Array.isArray(parsed) ? (parsed[0] ?? new Error('no key in the data')) : parsed;
  if (cache.size >= LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(id, key);
  return key;
}
