import { describe, expect, it } from 'vitest';
import ssh2 from 'ssh2';

// ssh2 1.17.0 stripped every leading zero byte of an ed25519 public key, not only the
// BIT STRING's "unused bits" byte, so 1 generated key in 256 could not be read back
// (mscdex/ssh2#1513) and a test using one failed at random. patches/ fixes it.
describe('ssh2 keygen (patched)', () => {
  it('every generated ed25519 pair parses back, public and private', () => {
    // 2,000 pairs: an unpatched ssh2 yields a bad one with probability 1 - (255/256)^2000 > 99.9%
    const bad: string[] = [];
    for (let i = 0; i < 2000; i++) {
      const pair = ssh2.utils.generateKeyPairSync('ed25519');
      for (const text of [pair.public, pair.private]) {
        const parsed = ssh2.utils.parseKey(text);
        if (parsed instanceof Error) bad.push(parsed.message);
      }
    }
    expect(bad).toEqual([]);
  });
});
