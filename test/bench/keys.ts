import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';

export interface ClientKey {
  type: 'ed25519' | 'rsa';
  /** OpenSSH private key text, unencrypted. */
  privateKey: string;
  /** The authorized_keys line. */
  publicKey: string;
  /** Where the private key is on disk (mode 0600), for identityFile settings and ssh-add. */
  path: string;
}

export interface ClientKeys {
  dir: string;
  ed25519: ClientKey;
  rsa: ClientKey;
}

/** Fresh client keys for each run, so no test depends on a key that lives on the machine. */
export async function generateClientKeys(): Promise<ClientKeys> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-bench-keys-'));
  const make = async (type: 'ed25519' | 'rsa'): Promise<ClientKey> => {
    const pair =
      type === 'rsa'
        ? ssh2.utils.generateKeyPairSync('rsa', { bits: 2048, comment: 'fleet-bench-rsa' })
        : ssh2.utils.generateKeyPairSync('ed25519', { comment: 'fleet-bench-ed25519' });
    const path = join(dir, `id_${type}`);
    await writeFile(path, pair.private, { mode: 0o600 });
    await writeFile(`${path}.pub`, `${pair.public}\n`, { mode: 0o644 });
    return { type, privateKey: pair.private, publicKey: pair.public, path };
  };
  return { dir, ed25519: await make('ed25519'), rsa: await make('rsa') };
}
