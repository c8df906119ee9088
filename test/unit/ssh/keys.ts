import ssh2 from 'ssh2';

export interface TestKey {
  type: string;
  /** The SSH public key blob, as a server presents it. */
  blob: Buffer;
  /** Base64 of the blob, as known_hosts stores it. */
  b64: string;
}

type Spec = ['ed25519', Record<string, never>] | ['ecdsa', { bits: 256 | 384 | 521 }] | ['rsa', { bits: number }];

const specs: Record<string, Spec> = {
  'ssh-ed25519': ['ed25519', {}],
  'ecdsa-sha2-nistp256': ['ecdsa', { bits: 256 }],
  'ecdsa-sha2-nistp384': ['ecdsa', { bits: 384 }],
  'ecdsa-sha2-nistp521': ['ecdsa', { bits: 521 }],
  'ssh-rsa': ['rsa', { bits: 2048 }],
};

/** A fresh real public key of the given SSH type. */
export function makeKey(type = 'ssh-ed25519'): TestKey {
  const spec = specs[type];
  if (!spec) throw new Error(`no generator for ${type}`);
  const pair = ssh2.utils.generateKeyPairSync(spec[0] as 'ed25519', spec[1] as never);
  const [t, b64] = pair.public.split(' ');
  if (t !== type || !b64) throw new Error(`generated ${t}, wanted ${type}`);
  return { type, blob: Buffer.from(b64, 'base64'), b64 };
}
