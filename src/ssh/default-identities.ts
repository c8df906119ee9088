import { join } from 'node:path';

/**
 * OpenSSH's default identities, in the order fleet tries them. Apart from auth.ts because the controller
 * fills them into every host's target without connecting anywhere: taking them must not load ssh2.
 */
export function defaultIdentityFiles(home: string): string[] {
  return ['id_ed25519', 'id_ecdsa', 'id_rsa'].map((name) => join(home, '.ssh', name));
}
