import { createHash } from 'node:crypto';

export interface HostKeyInfo {
  /** The SSH key type, e.g. ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa. */
  type: string;
  /** Base64 of the public key blob, as in known_hosts. */
  publicKey: string;
  /** OpenSSH's fingerprint form: SHA256:<unpadded base64>. */
  fingerprint: string;
}

export function fingerprintOf(blob: Buffer): string {
  return `SHA256:${createHash('sha256').update(blob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a public key blob (its first SSH string). */
export function keyTypeOf(blob: Buffer): string {
  const len = blob.readUInt32BE(0);
  return blob.subarray(4, 4 + len).toString('latin1');
}

/** Parses the `type base64 comment` lines of the host's ssh_host_*_key.pub files. */
export function parseHostKeys(pubFiles: string): HostKeyInfo[] {
  return pubFiles
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((parts): parts is [string, string, ...string[]] => parts.length >= 2 && parts[0] !== '')
    .map(([type, publicKey]) => ({ type, publicKey, fingerprint: fingerprintOf(Buffer.from(publicKey, 'base64')) }));
}
