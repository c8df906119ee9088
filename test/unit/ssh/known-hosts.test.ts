import { createHmac, randomBytes } from 'node:crypto';
import { appendFile, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  entryMatchesHost,
  findEntries,
  fingerprint,
  formatKnownHostsLine,
  hashHostName,
  hostString,
  keyTypeOf,
  parseKnownHosts,
  readKnownHosts,
  readKnownHostsText,
} from '../../../src/ssh/known-hosts.js';
import { makeKey } from './keys.js';

const TYPES = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'ssh-rsa'];
const keys = Object.fromEntries(TYPES.map((t) => [t, makeKey(t)]));
const ed = makeKey('ssh-ed25519');

function matchLines(text: string, address: string, port: number): number[] {
  return findEntries(parseKnownHosts(text), address, port).map((e) => e.line);
}

describe('host strings and keys', () => {
  it('uses the bare address on port 22 and [address]:port otherwise, lowercased', () => {
    expect(hostString('Web01.Example.com', 22)).toBe('web01.example.com');
    expect(hostString('127.0.2.3', 2222)).toBe('[127.0.2.3]:2222');
    expect(hostString('::1', 2222)).toBe('[::1]:2222');
  });

  it('reads the key type from the blob and rejects malformed blobs', () => {
    for (const t of TYPES) expect(keyTypeOf(keys[t]!.blob)).toBe(t);
    expect(keyTypeOf(Buffer.alloc(2))).toBeUndefined();
    expect(keyTypeOf(Buffer.from([0, 0, 0, 50, 0x61]))).toBeUndefined();
  });

  it('prints fingerprints the way OpenSSH does (SHA256, unpadded base64)', () => {
    const fp = fingerprint(ed.blob);
    expect(fp).toMatch(/^SHA256:[A-Za-z0-9+/]{43}$/);
  });

  it('formats the line accept-new appends', () => {
    expect(formatKnownHostsLine('127.0.2.3', 2222, ed.blob)).toBe(`[127.0.2.3]:2222 ssh-ed25519 ${ed.b64}`);
    expect(formatKnownHostsLine('10.0.0.5', 22, ed.blob)).toBe(`10.0.0.5 ssh-ed25519 ${ed.b64}`);
  });
});

describe('parseKnownHosts', () => {
  it('parses every key type with 1-based line numbers, skipping comments and blank lines', () => {
    const text = [
      '# a comment',
      '',
      ...TYPES.map((t, i) => `host${i} ${t} ${keys[t]!.b64} comment for ${t}`),
      '   ',
      '\t# indented comment',
    ].join('\n');
    const { entries, invalid } = parseKnownHosts(text);
    expect(invalid).toEqual([]);
    expect(entries.map((e) => [e.line, e.keyType, e.hosts])).toEqual(TYPES.map((t, i) => [i + 3, t, `host${i}`]));
    expect(entries[0]!.comment).toBe('comment for ssh-ed25519');
    expect(entries[4]!.key.equals(keys['ssh-rsa']!.blob)).toBe(true);
    expect(entries.every((e) => e.marker === undefined)).toBe(true);
  });

  it('handles CRLF line endings and tabs between fields', () => {
    const { entries } = parseKnownHosts(`# x\r\nhost1\tssh-ed25519\t${ed.b64}\r\n`);
    expect(entries.map((e) => [e.line, e.hosts])).toEqual([[2, 'host1']]);
  });

  it('reads @revoked and @cert-authority markers', () => {
    const { entries } = parseKnownHosts(
      [`@revoked * ssh-ed25519 ${ed.b64}`, `@cert-authority *.example.com ssh-ed25519 ${ed.b64} ca`].join('\n'),
    );
    expect(entries.map((e) => [e.line, e.marker, e.hosts])).toEqual([
      [1, 'revoked', '*'],
      [2, 'cert-authority', '*.example.com'],
    ]);
  });

  it('reports lines it cannot use, and keeps going', () => {
    const text = [
      `@bogus host ssh-ed25519 ${ed.b64}`,
      'host ssh-ed25519',
      'host ssh-ed25519 !!!notbase64',
      `host ssh-rsa ${ed.b64}`,
      'host ssh-ed25519 AAAA',
      `|1|abc ssh-ed25519 ${ed.b64}`,
      `good ssh-ed25519 ${ed.b64}`,
    ].join('\n');
    const { entries, invalid } = parseKnownHosts(text);
    expect(entries.map((e) => e.line)).toEqual([7]);
    expect(invalid.map((i) => i.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(invalid[0]!.reason).toContain('@bogus');
    expect(invalid[3]!.reason).toContain('does not match');
  });
});

describe('host matching', () => {
  it('matches a plain name only on port 22 and [name]:port only on that port', () => {
    const text = [`web01 ssh-ed25519 ${ed.b64}`, `[web01]:2222 ssh-ed25519 ${ed.b64}`, `[web01]:22 ssh-ed25519 ${ed.b64}`].join(
      '\n',
    );
    expect(matchLines(text, 'web01', 22)).toEqual([1]);
    expect(matchLines(text, 'web01', 2222)).toEqual([2]);
    expect(matchLines(text, 'web01', 2200)).toEqual([]);
    expect(matchLines(text, 'web0', 22)).toEqual([]);
  });

  it('matches comma lists, case-insensitively', () => {
    const text = `web01,10.0.0.1,[10.0.0.1]:2222 ssh-ed25519 ${ed.b64}`;
    expect(matchLines(text, 'WEB01', 22)).toEqual([1]);
    expect(matchLines(text, '10.0.0.1', 22)).toEqual([1]);
    expect(matchLines(text, '10.0.0.1', 2222)).toEqual([1]);
    expect(matchLines(text, '10.0.0.2', 22)).toEqual([]);
  });

  it('supports * and ? wildcards, also inside [host]:port', () => {
    const text = [
      `*.example.com ssh-ed25519 ${ed.b64}`,
      `10.0.0.? ssh-ed25519 ${ed.b64}`,
      `[10.1.*]:2222 ssh-ed25519 ${ed.b64}`,
    ].join('\n');
    expect(matchLines(text, 'web01.example.com', 22)).toEqual([1]);
    expect(matchLines(text, 'example.com', 22)).toEqual([]);
    expect(matchLines(text, 'web01.example.com.evil.org', 22)).toEqual([]);
    expect(matchLines(text, '10.0.0.7', 22)).toEqual([2]);
    expect(matchLines(text, '10.0.0.17', 22)).toEqual([]);
    expect(matchLines(text, '10.1.2.3', 2222)).toEqual([3]);
    expect(matchLines(text, '10.1.2.3', 22)).toEqual([]);
  });

  it('treats dots and brackets literally', () => {
    const text = `10.0.0.1 ssh-ed25519 ${ed.b64}`;
    expect(matchLines(text, '10a0b0c1', 22)).toEqual([]);
  });

  it('a matching !negation rejects the line even when another pattern matches', () => {
    const text = `*.example.com,!bad.example.com ssh-ed25519 ${ed.b64}`;
    expect(matchLines(text, 'good.example.com', 22)).toEqual([1]);
    expect(matchLines(text, 'bad.example.com', 22)).toEqual([]);
    // Negation alone never matches anything.
    expect(matchLines(`!bad ssh-ed25519 ${ed.b64}`, 'good', 22)).toEqual([]);
  });

  it('matches hashed entries written by this module', () => {
    const text = [
      `${hashHostName('web01.example.com')} ssh-ed25519 ${ed.b64}`,
      `${hashHostName('[127.0.2.3]:2222')} ssh-ed25519 ${ed.b64}`,
    ].join('\n');
    expect(matchLines(text, 'web01.example.com', 22)).toEqual([1]);
    expect(matchLines(text, 'Web01.Example.COM', 22)).toEqual([1]);
    expect(matchLines(text, 'web02.example.com', 22)).toEqual([]);
    expect(matchLines(text, '127.0.2.3', 2222)).toEqual([2]);
    expect(matchLines(text, '127.0.2.3', 22)).toEqual([]);
  });

  it('matches hashed entries computed independently (HMAC-SHA1 keyed by the salt)', () => {
    const salt = randomBytes(20);
    const mac = createHmac('sha1', salt).update('[db1]:2200').digest('base64');
    const text = `|1|${salt.toString('base64')}|${mac} ecdsa-sha2-nistp256 ${keys['ecdsa-sha2-nistp256']!.b64}`;
    expect(matchLines(text, 'db1', 2200)).toEqual([1]);
    expect(matchLines(text, 'db1', 22)).toEqual([]);
  });

  it('matches hashed entries produced by OpenSSH ssh-keygen -H', () => {
    const key = 'AAAAC3NzaC1lZDI1NTE5AAAAIGNYkEoUQGS8zdQYDQRqzcM/a3GaCC5haB+3k/cxL8f3';
    const text = [
      `|1|o+wPv0N3/26w8OFYtGGGO0NFz+I=|J3/fF4qURwh9ooKS9Q4gyULU1GE= ssh-ed25519 ${key}`,
      `|1|eKsJwPp/MJdw7GFrrM3HGINVbuI=|z/6xBG9+NZjf/ldaiDkQboH65lo= ssh-ed25519 ${key}`,
    ].join('\n');
    expect(matchLines(text, '127.0.2.3', 2222)).toEqual([1]);
    expect(matchLines(text, 'web01.example.com', 22)).toEqual([2]);
    expect(matchLines(text, '127.0.2.3', 22)).toEqual([]);
  });

  it('the indexed lookup returns what a scan of every line does, in file order', () => {
    const lines = [
      `[h1]:2222,h1 ssh-ed25519 ${ed.b64}`,
      `*.example.com,!bad.example.com ssh-ed25519 ${ed.b64}`,
      `@revoked [h1]:2222 ssh-ed25519 ${ed.b64}`,
      `${hashHostName('[h1]:2222')} ssh-ed25519 ${ed.b64}`,
      `h1,H1,h2 ssh-ed25519 ${ed.b64}`,
      `[h?]:2222 ssh-ed25519 ${ed.b64}`,
      `bad.example.com ssh-ed25519 ${ed.b64}`,
      `@cert-authority *.example.com ssh-ed25519 ${ed.b64}`,
      `[h1]:2222 ssh-ed25519 ${ed.b64}`,
    ];
    const parsed = parseKnownHosts(lines.join('\n'));
    const probes: [string, number][] = [
      ['h1', 2222],
      ['H1', 22],
      ['h2', 22],
      ['h2', 2222],
      ['bad.example.com', 22],
      ['a.example.com', 22],
      ['nowhere', 22],
    ];
    for (const [address, port] of probes) {
      const scanned = parsed.entries.filter((e) => entryMatchesHost(e, hostString(address, port))).map((e) => e.line);
      expect(findEntries(parsed, address, port).map((e) => e.line), `${address}:${port}`).toEqual(scanned);
    }
    expect(findEntries(parsed, 'h1', 2222).map((e) => e.line)).toEqual([1, 3, 4, 6, 9]);
  });

  it('entryMatchesHost works on a single entry', () => {
    const entry = parseKnownHosts(`a,b ssh-ed25519 ${ed.b64}`).entries[0]!;
    expect(entryMatchesHost(entry, 'b')).toBe(true);
    expect(entryMatchesHost(entry, 'c')).toBe(false);
  });
});

describe('readKnownHosts', () => {
  const dirs: string[] = [];
  afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it('a missing file is empty', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-kh-'));
    dirs.push(dir);
    expect(await readKnownHosts(join(dir, 'nope', 'known_hosts'))).toEqual({ entries: [], invalid: [] });
  });

  it('reads a file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-kh-'));
    dirs.push(dir);
    await writeFile(join(dir, 'known_hosts'), `# x\nweb01 ssh-ed25519 ${ed.b64}\n`);
    const parsed = await readKnownHosts(join(dir, 'known_hosts'));
    expect(parsed.entries.map((e) => e.line)).toEqual([2]);
  });

  it('sees every change of the file, though an unchanged file is not read again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-kh-'));
    dirs.push(dir);
    const file = join(dir, 'known_hosts');
    const old = new Date(Date.now() - 60_000);
    await writeFile(file, `web01 ssh-ed25519 ${ed.b64}\n`);
    await utimes(file, old, old);
    expect(await readKnownHostsText(file)).toBe(`web01 ssh-ed25519 ${ed.b64}\n`);
    expect(await readKnownHostsText(file)).toBe(`web01 ssh-ed25519 ${ed.b64}\n`);
    // The same size, other bytes: the file's times are what tell.
    await writeFile(file, `web02 ssh-ed25519 ${ed.b64}\n`);
    expect(await readKnownHostsText(file)).toBe(`web02 ssh-ed25519 ${ed.b64}\n`);
    // Changed again within the same tick of the file's clock: the last read was too recent to be trusted.
    await writeFile(file, `web03 ssh-ed25519 ${ed.b64}\n`);
    expect(await readKnownHostsText(file)).toBe(`web03 ssh-ed25519 ${ed.b64}\n`);
    await appendFile(file, `web04 ssh-ed25519 ${ed.b64}\n`);
    expect((await readKnownHostsText(file)).split('\n')).toHaveLength(3);
    await rm(file);
    expect(await readKnownHostsText(file)).toBe('');
  });

  it('other read errors are thrown', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-kh-'));
    dirs.push(dir);
    await expect(readKnownHosts(dir)).rejects.toMatchObject({ code: 'EISDIR' });
  });
});
