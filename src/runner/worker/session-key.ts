import { createHash } from 'node:crypto';
import type { HostTarget } from '../transport/task.js';

/**
 * What a held session is found by: every setting that could make two sessions differ — where it goes, who
 * logs in and with what, which host keys it trusts, and the jump chain under it — so a call with other
 * settings never gets another call's session. Secrets enter only as a digest, and the key never leaves the
 * worker that computed it.
 */
export function sessionKey(target: HostTarget): string {
  const secrets = createHash('sha256')
    .update(JSON.stringify([target.password ?? null, target.passphrase ?? null, target.privateKeys ?? null]))
    .digest('hex')
    .slice(0, 32);
  const parts = [
    target.host,
    target.address,
    target.port,
    target.user,
    target.identityFiles ?? null,
    target.defaultIdentityFiles ?? null,
    target.agent ?? null,
    target.forwardAgent ?? null,
    target.knownHostsFile ?? null,
    target.hostKeyPolicy ?? null,
    target.keepaliveIntervalMs ?? null,
    target.keepaliveCountMax ?? null,
    secrets,
    target.jump ? sessionKey(target.jump) : null,
  ];
  return JSON.stringify(parts);
}
