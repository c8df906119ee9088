import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyError } from '../../src/core/errors.js';
import { hostVerifierFor, type HostKeyCheckOptions } from '../../src/ssh/host-key-verifier.js';
import { fingerprint, keyTypeOf, parseKnownHosts } from '../../src/ssh/known-hosts.js';
import type { HostKeyPolicy } from '../../src/ssh/options.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';

interface Attempt {
  /** Whether ssh2's `ready` fired (authenticated: commands could run). */
  ready: boolean;
  output?: string;
  error?: Error;
  hostKeyError?: HostKeyError;
  presented?: Buffer;
}

/** Raw ssh2 with the fleet host key verifier, password auth; runs `echo ok` if the connection gets ready. */
function attempt(h: BenchHost, knownHostsFile: string, policy: HostKeyPolicy, onWarning?: (m: string) => void): Promise<Attempt> {
  const check: HostKeyCheckOptions = { host: h.name, address: h.address, port: h.port, knownHostsFile, policy };
  if (onWarning) check.onWarning = onWarning;
  const adapter = hostVerifierFor(check);
  return new Promise((resolve) => {
    const result: Attempt = { ready: false };
    const client = new ssh2.Client();
    client.on('ready', () => {
      result.ready = true;
      client.exec('echo ok', (err, channel) => {
        if (err) {
          result.error = err;
          client.end();
          return;
        }
        let out = '';
        channel.on('data', (d: Buffer) => (out += d.toString()));
        channel.on('close', () => {
          result.output = out.trim();
          client.end();
        });
      });
    });
    client.on('error', (err) => {
      result.error = err;
    });
    client.on('close', () => {
      const hke = adapter.error();
      if (hke) result.hostKeyError = hke;
      resolve(result);
    });
    client.connect({
      host: h.address,
      port: h.port,
      username: h.user,
      password: h.password,
      readyTimeout: 30_000,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        result.presented = key;
        adapter.verifier(key, verify);
      },
    });
  });
}

/** The host key the bench reports for the key type a connection was presented. */
function benchKeyFor(h: BenchHost, presented: Buffer) {
  return h.hostKeys.find((k) => k.type === keyTypeOf(presented));
}

describe('ssh: host keys against real sshd', () => {
  let bench: Bench;
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fleet-hostkeys-'));
    bench = await startBench(20);
  });

  afterAll(async () => {
    await bench?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('strict: an unknown host is refused with HostKeyError before login; nothing runs, nothing is written', async () => {
    const h = bench.hosts[0]!;
    const file = join(dir, 'strict', 'known_hosts');
    const r = await attempt(h, file, 'strict');
    expect(r.ready).toBe(false);
    expect(r.output).toBeUndefined();
    expect(r.error?.message).toMatch(/Host denied/);
    expect(r.hostKeyError).toBeInstanceOf(HostKeyError);
    const err = r.hostKeyError!;
    expect(err.host).toBe(h.name);
    expect(err.details.knownHostsFile).toBe(file);
    const presented = r.presented!;
    expect(fingerprint(presented)).toBe(benchKeyFor(h, presented)?.fingerprint);
    expect(err.message).toContain(`${h.name}: host key not known`);
    expect(err.message).toContain(fingerprint(presented));
    expect(err.message).toContain('hostKeyPolicy: accept-new');
    expect(err.message).not.toContain('--host-key-policy');
    expect(err.message).toContain(`ssh-keyscan -p ${h.port}`);
    await expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await h.logs()).not.toMatch(/Accepted password/);

    // Control: once the key is listed, strict logs in and runs the command (so the log check above means something).
    await mkdir(join(dir, 'strict'), { recursive: true });
    await writeFile(file, bench.knownHostsLines().join('\n') + '\n');
    const ok = await attempt(h, file, 'strict');
    expect(ok).toMatchObject({ ready: true, output: 'ok' });
    expect(await h.logs()).toMatch(/Accepted password for fleet/);
  });

  it('accept-new: 20 new hosts at once → 20 valid lines in a fresh known_hosts, each the key the host presented', async () => {
    const sshDir = join(dir, 'fresh', '.ssh');
    const file = join(sshDir, 'known_hosts');
    const results = await Promise.all(bench.hosts.map((h) => attempt(h, file, 'accept-new')));
    for (const r of results) expect(r).toMatchObject({ ready: true, output: 'ok' });

    const text = await readFile(file, 'utf8');
    const parsed = parseKnownHosts(text);
    expect(parsed.invalid).toEqual([]);
    expect(parsed.entries).toHaveLength(20);
    expect(text.trim().split('\n')).toHaveLength(20);
    bench.hosts.forEach((h, i) => {
      const lines = parsed.entries.filter((e) => e.hosts === `[${h.address}]:${h.port}`);
      expect(lines).toHaveLength(1);
      const presented = results[i]!.presented!;
      expect(lines[0]!.key.equals(presented)).toBe(true);
      expect(lines[0]!.key.toString('base64')).toBe(benchKeyFor(h, presented)?.publicKey);
    });
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(sshDir)).mode & 0o777).toBe(0o700);

    // Every host is now known: strict logs in everywhere and the file does not change.
    const again = await Promise.all(bench.hosts.map((h) => attempt(h, file, 'strict')));
    for (const r of again) expect(r).toMatchObject({ ready: true, output: 'ok' });
    expect(await readFile(file, 'utf8')).toBe(text);
  });

  it('a changed host key is refused under strict and accept-new (naming the line), accepted under off with a warning', async () => {
    const h = bench.hosts[1]!;
    const file = join(dir, 'rotate', 'known_hosts');
    await mkdir(join(dir, 'rotate'), { recursive: true });
    const lines = ['# fleet test known_hosts', ...bench.knownHostsLines()];
    const text = lines.join('\n') + '\n';
    await writeFile(file, text);
    const before = await attempt(h, file, 'strict');
    expect(before).toMatchObject({ ready: true, output: 'ok' });
    const type = keyTypeOf(before.presented!)!;
    const line = lines.findIndex((l) => l.startsWith(`[${h.address}]:${h.port} ${type} `)) + 1;
    expect(line).toBeGreaterThan(1);

    await h.rotateHostKey();

    for (const policy of ['strict', 'accept-new'] as const) {
      const r = await attempt(h, file, policy);
      expect(r.ready).toBe(false);
      expect(r.output).toBeUndefined();
      const err = r.hostKeyError!;
      expect(err).toBeInstanceOf(HostKeyError);
      expect(err.details).toMatchObject({ knownHostsFile: file, knownHostsLine: line });
      expect(keyTypeOf(r.presented!)).toBe(type);
      expect(fingerprint(r.presented!)).not.toBe(fingerprint(before.presented!));
      expect(err.message).toContain(`${h.name}: host key changed (${file} line ${line})`);
      expect(err.message).toContain(fingerprint(r.presented!));
      expect(err.message).toContain(`ssh-keygen -R '[${h.address}]:${h.port}' -f ${file}`);
    }
    expect(await readFile(file, 'utf8')).toBe(text);

    const warnings: string[] = [];
    const off = await attempt(h, file, 'off', (m) => warnings.push(m));
    expect(off).toMatchObject({ ready: true, output: 'ok' });
    expect(off.hostKeyError).toBeUndefined();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('host key checking is off');
    expect(await readFile(file, 'utf8')).toBe(text);
  });
});
