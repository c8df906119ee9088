import { mkdtemp, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { HostKeyError } from '../../../src/core/errors.js';
import {
  decideHostKey,
  hostVerifierFor,
  resetHostKeyWarningForTests,
  verifyHostKey,
  type HostKeyCheckOptions,
} from '../../../src/ssh/host-key-verifier.js';
import type { HostKeyPolicy } from '../../../src/ssh/options.js';
import { fingerprint, hashHostName, parseKnownHosts } from '../../../src/ssh/known-hosts.js';
import { makeKey, type TestKey } from './keys.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-hkv-'));
  dirs.push(dir);
  return dir;
}

/** A known_hosts file with the given lines (or none: not created). */
async function knownHosts(lines?: string[]): Promise<string> {
  const file = join(await tempDir(), 'known_hosts');
  if (lines) await writeFile(file, lines.map((l) => `${l}\n`).join(''));
  return file;
}

const web03 = { host: 'web03', address: '127.0.2.3', port: 2222 };
const opts = (file: string, policy: HostKeyPolicy, extra: Partial<HostKeyCheckOptions> = {}): HostKeyCheckOptions => ({
  ...web03,
  knownHostsFile: file,
  policy,
  ...extra,
});

async function refusal(promise: Promise<unknown>): Promise<HostKeyError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HostKeyError);
  return err as HostKeyError;
}

const readText = (file: string) => readFile(file, 'utf8');
const ALL: HostKeyPolicy[] = ['strict', 'accept-new', 'off'];

const ed: TestKey = makeKey('ssh-ed25519');
const ed2: TestKey = makeKey('ssh-ed25519');
const rsa: TestKey = makeKey('ssh-rsa');
beforeEach(() => resetHostKeyWarningForTests());

describe('decideHostKey', () => {
  it('known, changed, revoked, unknown; cert-authority lines never count as the host key', () => {
    const entries = (text: string) => parseKnownHosts(text).entries;
    expect(decideHostKey(entries(`h ssh-ed25519 ${ed.b64}`), ed.blob).kind).toBe('known');
    expect(decideHostKey(entries(`h ssh-ed25519 ${ed2.b64}\nh ssh-ed25519 ${ed.b64}`), ed.blob).kind).toBe('known');
    expect(decideHostKey(entries(`h ssh-ed25519 ${ed2.b64}`), ed.blob)).toMatchObject({ kind: 'changed', entry: { line: 1 } });
    expect(decideHostKey(entries(`h ssh-ed25519 ${ed.b64}\n@revoked h ssh-ed25519 ${ed.b64}`), ed.blob)).toMatchObject({
      kind: 'revoked',
      entry: { line: 2 },
    });
    expect(decideHostKey(entries(`@cert-authority h ssh-ed25519 ${ed.b64}`), ed.blob)).toEqual({ kind: 'unknown', others: [] });
    // A revoked *other* key does not make the presented one unknown or changed.
    expect(decideHostKey(entries(`@revoked h ssh-ed25519 ${ed2.b64}`), ed.blob).kind).toBe('unknown');
    expect(decideHostKey(entries(`h ssh-rsa ${rsa.b64}`), ed.blob)).toMatchObject({ kind: 'unknown', others: [{ line: 1 }] });
  });
});

describe('verifyHostKey', () => {
  it('accepts a known key under every policy and writes nothing', async () => {
    const file = await knownHosts([`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`]);
    for (const policy of ALL) await verifyHostKey(opts(file, policy), ed.blob);
    expect(await readText(file)).toBe(`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}\n`);
  });

  it('accepts known keys of every type, in hashed and wildcard entries too', async () => {
    const keys = ['ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521'].map((t) => makeKey(t));
    const file = await knownHosts([
      `${hashHostName('[127.0.2.3]:2222')} ssh-ed25519 ${ed.b64}`,
      `[127.0.2.*]:2222 ssh-rsa ${rsa.b64}`,
      ...keys.map((k) => `[127.0.2.3]:2222,other ${k.type} ${k.b64}`),
    ]);
    for (const k of [ed, rsa, ...keys]) await verifyHostKey(opts(file, 'strict'), k.blob);
  });

  it('strict: an unknown host is refused, says how to accept it, and nothing is written', async () => {
    const file = await knownHosts();
    const err = await refusal(verifyHostKey(opts(file, 'strict'), ed.blob));
    expect(err.code).toBe('HOST_KEY');
    expect(err.host).toBe('web03');
    expect(err.details.knownHostsFile).toBe(file);
    expect(err.details.knownHostsLine).toBeUndefined();
    expect(err.message).toContain('web03: host key not known');
    expect(err.message).toContain(fingerprint(ed.blob));
    expect(err.message).toContain('hostKeyPolicy: accept-new');
    expect(err.message).not.toContain('--host-key-policy');
    expect(err.message).toContain(`ssh-keyscan -p 2222 -t ed25519 127.0.2.3 >> ${file}`);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('strict on port 22 suggests ssh-keyscan without -p', async () => {
    const file = await knownHosts([]);
    const err = await refusal(verifyHostKey({ host: 'db1', address: '10.0.0.21', port: 22, knownHostsFile: file, policy: 'strict' }, rsa.blob));
    expect(err.message).toContain(`ssh-keyscan -t rsa 10.0.0.21 >> ${file}`);
  });

  it('accept-new (the default) appends an unknown host, creating the directory 0700 and the file 0600', async () => {
    const dir = await tempDir();
    const file = join(dir, 'nested', '.ssh', 'known_hosts');
    await verifyHostKey({ ...web03, knownHostsFile: file }, ed.blob);
    expect(await readText(file)).toBe(`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}\n`);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(join(dir, 'nested', '.ssh'))).mode & 0o777).toBe(0o700);
    // Now known, even under strict; nothing more is written.
    await verifyHostKey(opts(file, 'strict'), ed.blob);
    await verifyHostKey(opts(file, 'accept-new'), ed.blob);
    expect((await readText(file)).split('\n')).toHaveLength(2);
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('accept-new writes a bare address for port 22 and keeps the file line-structured', async () => {
    const file = join(await tempDir(), 'known_hosts');
    await writeFile(file, `# no newline at end`);
    await verifyHostKey({ host: 'db1', address: 'DB1.example.com', port: 22, knownHostsFile: file }, ed.blob);
    expect(await readText(file)).toBe(`# no newline at end\ndb1.example.com ssh-ed25519 ${ed.b64}\n`);
  });

  it('a host known only with other key types is unknown for the presented type (OpenSSH behaviour)', async () => {
    const file = await knownHosts(['# header', `[127.0.2.3]:2222 ssh-rsa ${rsa.b64}`]);
    const err = await refusal(verifyHostKey(opts(file, 'strict'), ed.blob));
    expect(err.message).toContain('known there only with ssh-rsa at line 2');
    await verifyHostKey(opts(file, 'accept-new'), ed.blob);
    const parsed = parseKnownHosts(await readText(file));
    expect(parsed.entries.map((e) => [e.line, e.keyType])).toEqual([
      [2, 'ssh-rsa'],
      [3, 'ssh-ed25519'],
    ]);
  });

  it('a changed key is refused under strict and accept-new, naming the line and the fix; the file is untouched', async () => {
    const lines = ['# fleet', `other ssh-ed25519 ${ed2.b64}`, `[127.0.2.3]:2222 ssh-rsa ${rsa.b64}`, `[127.0.2.3]:2222 ssh-ed25519 ${ed2.b64}`];
    const file = await knownHosts(lines);
    for (const policy of ['strict', 'accept-new'] as const) {
      const err = await refusal(verifyHostKey(opts(file, policy), ed.blob));
      expect(err.details).toMatchObject({ knownHostsFile: file, knownHostsLine: 4 });
      expect(err.message).toContain(`web03: host key changed (${file} line 4)`);
      expect(err.message).toContain(fingerprint(ed.blob));
      expect(err.message).toContain(`ssh-keygen -R '[127.0.2.3]:2222' -f ${file}`);
    }
    expect(await readText(file)).toBe(lines.map((l) => `${l}\n`).join(''));
  });

  it('a changed key in a hashed entry is refused with its line', async () => {
    const file = await knownHosts(['', `${hashHostName('[127.0.2.3]:2222')} ssh-ed25519 ${ed2.b64}`]);
    const err = await refusal(verifyHostKey(opts(file, 'accept-new'), ed.blob));
    expect(err.details.knownHostsLine).toBe(2);
  });

  it('off: accepts a changed or unknown key, writes nothing, warns once per process (not per host)', async () => {
    const file = await knownHosts([`[127.0.2.3]:2222 ssh-ed25519 ${ed2.b64}`]);
    const onWarning = vi.fn();
    await verifyHostKey(opts(file, 'off', { onWarning }), ed.blob);
    await verifyHostKey({ host: 'web04', address: '127.0.2.4', port: 2222, knownHostsFile: file, policy: 'off', onWarning }, ed.blob);
    const other = vi.fn();
    await verifyHostKey(opts(file, 'off', { onWarning: other }), ed.blob);
    expect(onWarning).toHaveBeenCalledTimes(1);
    expect(onWarning.mock.calls[0]![0]).toContain('host key checking is off');
    expect(other).not.toHaveBeenCalled();
    expect(await readText(file)).toBe(`[127.0.2.3]:2222 ssh-ed25519 ${ed2.b64}\n`);
  });

  it('off: an unreadable known_hosts is not an error', async () => {
    const dir = await tempDir();
    await verifyHostKey(opts(dir, 'off'), ed.blob);
  });

  it('a revoked key is refused under every policy, off included', async () => {
    const file = await knownHosts([`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`, `@revoked * ssh-ed25519 ${ed.b64}`]);
    for (const policy of ALL) {
      const err = await refusal(verifyHostKey(opts(file, policy), ed.blob));
      expect(err.details.knownHostsLine).toBe(2);
      expect(err.message).toContain('is revoked');
    }
  });

  it('a cert-authority line is not a host key: under strict the host is still unknown', async () => {
    const file = await knownHosts([`@cert-authority [127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`]);
    const err = await refusal(verifyHostKey(opts(file, 'strict'), ed.blob));
    expect(err.message).toContain('not known');
  });

  it('negated patterns exclude a host', async () => {
    const file = await knownHosts([`[127.0.2.*]:2222,![127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`]);
    await verifyHostKey({ ...opts(file, 'strict'), address: '127.0.2.4' }, ed.blob);
    await refusal(verifyHostKey(opts(file, 'strict'), ed.blob));
  });

  it('an unreadable known_hosts is a HostKeyError under strict and accept-new', async () => {
    const dir = await tempDir();
    for (const policy of ['strict', 'accept-new'] as const) {
      const err = await refusal(verifyHostKey(opts(dir, policy), ed.blob));
      expect(err.message).toContain('cannot read known_hosts file');
      expect(err.cause).toMatchObject({ code: 'EISDIR' });
    }
  });

  it('a known_hosts that cannot be written is a HostKeyError under accept-new', async () => {
    // A dangling symlink reads as a missing file, but appending through it fails (even as root).
    const dir = await tempDir();
    const file = join(dir, 'known_hosts');
    await symlink(join(dir, 'missing', 'target'), file);
    const err = await refusal(verifyHostKey(opts(file, 'accept-new'), ed.blob));
    expect(err.message).toContain('cannot add the host key to');
    expect(err.cause).toMatchObject({ code: 'ENOENT' });
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a malformed key blob is refused', async () => {
    const file = await knownHosts([]);
    await refusal(verifyHostKey(opts(file, 'off'), Buffer.from('nonsense')));
  });

  it('defaults to ~/.ssh/known_hosts and shows it as ~/ in messages', async () => {
    const home = await tempDir();
    const saved = process.env.HOME;
    process.env.HOME = home;
    try {
      await verifyHostKey(web03, ed.blob);
      expect(await readText(join(home, '.ssh', 'known_hosts'))).toContain(ed.b64);
      const err = await refusal(verifyHostKey(web03, ed2.blob));
      expect(err.message).toContain('(~/.ssh/known_hosts line 1)');
      expect(err.message).toContain(`-f ${join(home, '.ssh', 'known_hosts')}`);
      // `~/` in the setting is expanded.
      await verifyHostKey({ ...web03, knownHostsFile: '~/.ssh/known_hosts', policy: 'strict' }, ed.blob);
    } finally {
      process.env.HOME = saved;
    }
  });
});

describe('accept-new under concurrency (one process)', () => {
  it('20 distinct new hosts verified at once → exactly 20 valid lines', async () => {
    const file = join(await tempDir(), 'known_hosts');
    const hosts = Array.from({ length: 20 }, (_, i) => ({ address: `127.0.3.${i + 1}`, port: 2200 + i, key: makeKey() }));
    await Promise.all(
      hosts.map((h, i) => verifyHostKey({ host: `h${i}`, address: h.address, port: h.port, knownHostsFile: file }, h.key.blob)),
    );
    const parsed = parseKnownHosts(await readText(file));
    expect(parsed.invalid).toEqual([]);
    expect(parsed.entries).toHaveLength(20);
    for (const h of hosts) {
      const line = parsed.entries.filter((e) => e.hosts === `[${h.address}]:${h.port}`);
      expect(line).toHaveLength(1);
      expect(line[0]!.key.equals(h.key.blob)).toBe(true);
    }
  });

  it('the same new host verified 10× at once → 1 line', async () => {
    const file = join(await tempDir(), 'known_hosts');
    await Promise.all(Array.from({ length: 10 }, () => verifyHostKey(opts(file, 'accept-new'), ed.blob)));
    expect(await readText(file)).toBe(`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}\n`);
  });

  it('two different keys for the same new host at once: one is added, the other is refused as changed', async () => {
    const file = join(await tempDir(), 'known_hosts');
    const results = await Promise.allSettled([verifyHostKey(opts(file, 'accept-new'), ed.blob), verifyHostKey(opts(file, 'accept-new'), ed2.blob)]);
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);
    expect((await readText(file)).trim().split('\n')).toHaveLength(1);
  });
});

describe('hostVerifierFor (ssh2 adapter)', () => {
  it('calls verify(true) for an acceptable key and keeps no error', async () => {
    const file = await knownHosts([`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`]);
    const adapter = hostVerifierFor(opts(file, 'strict'));
    const ok = await new Promise<boolean>((res) => adapter.verifier(ed.blob, res));
    expect(ok).toBe(true);
    expect(adapter.error()).toBeUndefined();
  });

  it('calls verify(false) and keeps the HostKeyError for a refused key', async () => {
    const file = await knownHosts([`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`]);
    const adapter = hostVerifierFor(opts(file, 'strict'));
    const ok = await new Promise<boolean>((res) => adapter.verifier(ed2.blob, res));
    expect(ok).toBe(false);
    expect(adapter.error()).toBeInstanceOf(HostKeyError);
    expect(adapter.error()?.details.knownHostsLine).toBe(1);
  });

  it('refuses a hashed key (hostHash must not be set)', async () => {
    const adapter = hostVerifierFor(opts(await knownHosts(), 'off'));
    const ok = await new Promise<boolean>((res) => adapter.verifier('abcdef' as unknown as Buffer, res));
    expect(ok).toBe(false);
    expect(adapter.error()?.message).toContain('hostHash');
  });
});
