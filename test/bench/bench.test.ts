import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fingerprintOf, keyTypeOf } from './host-keys.js';
import { startBench, type Bench, type BenchHost } from './hosts.js';
import { presentedHostKey } from './presented-key.js';
import { rawExec } from './raw-ssh.js';

const login = (h: BenchHost) => ({ host: h.address, port: h.port, username: h.user });

describe('test bench: 3 real OpenSSH hosts started in parallel', () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench(3);
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('gives every host its own loopback address', () => {
    const addresses = bench.hosts.map((h) => h.address);
    expect(new Set(addresses).size).toBe(3);
    for (const a of addresses) expect(a).toMatch(/^127\.0\.\d+\.\d+$/);
  });

  it('logs in by password on every host', async () => {
    const results = await Promise.all(bench.hosts.map((h) => rawExec({ ...login(h), password: h.password }, 'whoami')));
    expect(results.map((r) => r.stdout.trim())).toEqual(['fleet', 'fleet', 'fleet']);
  });

  it('refuses a wrong password', async () => {
    const h = bench.hosts[0]!;
    await expect(rawExec({ ...login(h), password: `${h.password}x` }, 'whoami')).rejects.toThrow(
      /authentication methods failed/,
    );
  });

  it.each(['ed25519', 'rsa'] as const)('logs in with the %s key on every host', async (type) => {
    const results = await Promise.all(
      bench.hosts.map((h) => rawExec({ ...login(h), privateKey: h.keys[type].privateKey }, 'whoami')),
    );
    expect(results.map((r) => r.stdout.trim())).toEqual(['fleet', 'fleet', 'fleet']);
  });

  it.each([
    ['ssh-ed25519', 'ssh-ed25519'],
    ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp256'],
    ['rsa-sha2-512', 'ssh-rsa'],
  ])('reports the %s host key the server presents', async (algorithm, type) => {
    for (const h of bench.hosts) {
      let seen: Buffer | undefined;
      await rawExec(
        {
          ...login(h),
          password: h.password,
          algorithms: { serverHostKey: [algorithm as 'ssh-ed25519'] },
          hostVerifier: (key: Buffer) => {
            seen = key;
            return true;
          },
        },
        'true',
      );
      expect(keyTypeOf(seen!)).toBe(type);
      expect(fingerprintOf(seen!)).toBe(h.hostKeys.find((k) => k.type === type)!.fingerprint);
    }
    const fingerprints = bench.hosts.map((h) => h.hostKeyFingerprint);
    expect(new Set(fingerprints).size).toBe(3);
  });

  it('runs commands on the host from the test, as root and as the user', async () => {
    const h = bench.hosts[0]!;
    await expect(h.exec('id -un')).resolves.toMatchObject({ exitCode: 0, stdout: 'root\n' });
    await expect(h.exec('id -un', { user: 'fleet' })).resolves.toMatchObject({ stdout: 'fleet\n' });
    await expect(h.exec('pgrep -x sshd >/dev/null && echo yes')).resolves.toMatchObject({ stdout: 'yes\n' });
  });

  it('lets the user sudo with its password, and not without it', async () => {
    const h = bench.hosts[1]!;
    const ok = await rawExec({ ...login(h), password: h.password }, `echo '${h.password}' | sudo -S -p '' id -un`);
    expect(ok.stdout.trim()).toBe('root');
    const denied = await rawExec({ ...login(h), password: h.password }, 'sudo -n id -un');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/password is required/);
  });

  it('lists every host key as a known_hosts line', () => {
    const lines = bench.knownHostsLines();
    expect(lines).toHaveLength(9);
    for (const h of bench.hosts) {
      expect(lines).toContain(`[${h.address}]:${h.port} ssh-ed25519 ${h.hostKeys[0]!.publicKey}`);
    }
  });

  it('rotates a host key: the server presents the new one', async () => {
    const h = bench.hosts[2]!;
    const before = h.hostKeyFingerprint;
    await h.rotateHostKey();
    expect(h.hostKeyFingerprint).not.toBe(before);
    const blob = await presentedHostKey(h.address, h.port);
    expect(h.hostKeys.map((k) => k.fingerprint)).toContain(fingerprintOf(blob));
    const r = await rawExec({ ...login(h), password: h.password }, 'whoami');
    expect(r.stdout.trim()).toBe('fleet');
  });
});

describe('test bench: faults', () => {
  let bench: Bench;
  beforeAll(async () => {
    bench = await startBench(2);
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('a paused host makes a connection attempt time out, and works again after unpause', async () => {
    const h = bench.hosts[0]!;
    await h.pause();
    const started = Date.now();
    await expect(rawExec({ ...login(h), password: h.password, readyTimeout: 1_500 }, 'whoami')).rejects.toThrow(
      /Timed out while waiting for handshake/,
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_400);
    await h.unpause();
    const r = await rawExec({ ...login(h), password: h.password }, 'whoami');
    expect(r.stdout.trim()).toBe('fleet');
  });

  it('a stopped host refuses connections; the other host still answers', async () => {
    const [down, up] = [bench.hosts[0]!, bench.hosts[1]!];
    await down.stop();
    await expect(rawExec({ ...login(down), password: down.password }, 'whoami')).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
    const r = await rawExec({ ...login(up), password: up.password }, 'whoami');
    expect(r.stdout.trim()).toBe('fleet');
  });

  it('killing sshd takes the host down', async () => {
    const h = bench.hosts[1]!;
    await h.killSshd();
    await expect(rawExec({ ...login(h), password: h.password }, 'whoami')).rejects.toMatchObject({
      code: 'ECONNREFUSED',
    });
  });
});
