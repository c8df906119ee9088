import { fork, spawnSync } from 'node:child_process';
import { readlinkSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { parseKnownHosts } from '../../../src/ssh/known-hosts.js';
import { LockTimeoutError, parseLockHolder, withFileLock } from '../../../src/ssh/known-hosts-lock.js';
import { makeKey } from './keys.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-lock-'));
  dirs.push(dir);
  return dir;
}

const sleep = (ms: number) => new Promise<void>((res) => setTimeout(res, ms));

describe('withFileLock', () => {
  it('20 racing holders never overlap and no update is lost', async () => {
    const dir = await tempDir();
    const counter = join(dir, 'counter');
    await writeFile(counter, '0');
    let active = 0;
    let maxActive = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withFileLock(join(dir, 'counter.lock'), async () => {
          active++;
          maxActive = Math.max(maxActive, active);
          const n = Number(await readFile(counter, 'utf8'));
          await sleep(Math.random() * 3);
          await writeFile(counter, String(n + 1));
          active--;
        }),
      ),
    );
    expect(await readFile(counter, 'utf8')).toBe('20');
    expect(maxActive).toBe(1);
    await expect(stat(join(dir, 'counter.lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('releases the lock when the holder throws', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await expect(withFileLock(lock, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(stat(lock)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('breaks a stale lock (holder crashed)', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await writeFile(lock, '99999 dead\n');
    const old = new Date(Date.now() - 20_000);
    await utimes(lock, old, old);
    const started = Date.now();
    expect(await withFileLock(lock, async () => 'got it')).toBe('got it');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  it('waits for a live holder, and gives up after timeoutMs', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await writeFile(lock, 'someone else\n');
    await expect(withFileLock(lock, async () => 1, { timeoutMs: 200 })).rejects.toThrow(/timed out .*x\.lock/);
    expect(await readFile(lock, 'utf8')).toBe('someone else\n');
    setTimeout(() => void rm(lock), 100);
    expect(await withFileLock(lock, async () => 2, { timeoutMs: 5_000 })).toBe(2);
  });

  it('records its holder: pid, host name and pid namespace', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    const seen = await withFileLock(lock, async () => parseLockHolder(await readFile(lock, 'utf8')));
    expect(seen).toEqual({ pid: process.pid, hostname: hostname(), pidNamespace: readlinkSync('/proc/self/ns/pid') });
  });

  const deadPid = () => spawnSync('true').pid;
  const here = () => `${hostname()} ${readlinkSync('/proc/self/ns/pid')}`;

  it('breaks at once a fresh lock whose holder (on this host) no longer exists', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await writeFile(lock, `${deadPid()} ${here()} abc\n`);
    expect(await withFileLock(lock, async () => 'got it', { timeoutMs: 2_000 })).toBe('got it');
  });

  it('never breaks the lock of a live holder, however old: gives up with LockTimeoutError naming it', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await writeFile(lock, `${process.pid} ${here()} abc\n`);
    const old = new Date(Date.now() - 60_000);
    await utimes(lock, old, old);
    const err = await withFileLock(lock, async () => 1, { timeoutMs: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).holder).toMatchObject({ pid: process.pid, hostname: hostname() });
    expect((err as Error).message).toMatch(new RegExp(`waiting for lock file .*x\\.lock held by pid ${process.pid} on `));
    expect(await readFile(lock, 'utf8')).toBe(`${process.pid} ${here()} abc\n`);
  });

  it('a pid of another machine or pid namespace is not judged from here: only by the age of the lock', async () => {
    const dir = await tempDir();
    for (const owner of [`${deadPid()} other-host ${readlinkSync('/proc/self/ns/pid')}`, `${deadPid()} ${hostname()} pid:[1]`]) {
      const lock = join(dir, 'x.lock');
      await writeFile(lock, `${owner} abc\n`);
      await expect(withFileLock(lock, async () => 1, { timeoutMs: 200 })).rejects.toBeInstanceOf(LockTimeoutError);
      const old = new Date(Date.now() - 20_000);
      await utimes(lock, old, old);
      expect(await withFileLock(lock, async () => 2, { timeoutMs: 2_000 })).toBe(2);
    }
  });

  it('the wait counts from `since`: a caller queued behind others does not wait anew', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await writeFile(lock, `${process.pid} ${here()} abc\n`);
    const err = await withFileLock(lock, async () => 1, { timeoutMs: 10_000, since: Date.now() - 10_000 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockTimeoutError);
    expect((err as LockTimeoutError).waitedMs).toBeGreaterThanOrEqual(10_000);
  });

  it('does not remove a lock that another process took over after ours was broken as stale', async () => {
    const dir = await tempDir();
    const lock = join(dir, 'x.lock');
    await withFileLock(lock, async () => {
      await writeFile(lock, 'new owner\n');
    });
    expect(await readFile(lock, 'utf8')).toBe('new owner\n');
  });
});

/**
 * The runner forks workers that share one known_hosts. Children cannot import TypeScript, so the modules under
 * test are transpiled (types stripped, nothing else) into a temp directory and imported from there.
 */
async function compiledVerifier(): Promise<string> {
  const out = await tempDir();
  const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
  for (const rel of ['src/core/errors.ts', 'src/core/glob.ts', 'src/ssh/known-hosts.ts', 'src/ssh/known-hosts-lock.ts', 'src/ssh/known-hosts-cache.ts', 'src/ssh/host-key-verifier.ts', 'src/ssh/shell-quote.ts']) {
    const source = await readFile(join(root, rel), 'utf8');
    const { outputText } = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
    });
    const target = join(out, rel.replace(/\.ts$/, '.js'));
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, outputText);
  }
  await writeFile(join(out, 'package.json'), '{"type":"module"}\n');
  await writeFile(
    join(out, 'child.mjs'),
    `import { verifyHostKey } from './src/ssh/host-key-verifier.js';
process.on('message', async ({ file, hosts }) => {
  const results = await Promise.allSettled(hosts.map((h) =>
    verifyHostKey({ host: h.address, address: h.address, port: h.port, knownHostsFile: file, policy: 'accept-new' },
      Buffer.from(h.key, 'base64'))));
  const errors = results.filter((r) => r.status === 'rejected').map((r) => String(r.reason && r.reason.message));
  process.send({ errors }, () => process.exit(0));
});
process.send('ready');
`,
  );
  return join(out, 'child.mjs');
}

describe('accept-new across processes', () => {
  it('4 forked processes adding 20 shared + 5 own new hosts each, at once → each host exactly once', async () => {
    const child = await compiledVerifier();
    const file = join(await tempDir(), 'ssh', 'known_hosts');
    const host = (i: number) => ({ address: `127.0.4.${i}`, port: 2200 + i, key: makeKey().b64 });
    const shared = Array.from({ length: 20 }, (_, i) => host(i + 1));
    const own = Array.from({ length: 4 }, (_, c) => Array.from({ length: 5 }, (_, i) => host(100 + c * 5 + i)));

    const children = own.map(() => fork(child, [], { execArgv: [], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await Promise.all(children.map((c) => new Promise((res, rej) => c.once('message', res).once('error', rej))));
    const done = children.map(
      (c) =>
        new Promise<{ errors: string[] }>((res, rej) => {
          c.once('message', (m) => res(m as { errors: string[] }));
          c.once('exit', (code) => rej(new Error(`child exited ${code} without reporting`)));
        }),
    );
    children.forEach((c, i) => c.send({ file, hosts: [...shared, ...own[i]!] }));
    const reports = await Promise.all(done);
    expect(reports.flatMap((r) => r.errors)).toEqual([]);

    const parsed = parseKnownHosts(await readFile(file, 'utf8'));
    expect(parsed.invalid).toEqual([]);
    const all = [...shared, ...own.flat()];
    expect(parsed.entries).toHaveLength(all.length);
    for (const h of all) {
      const lines = parsed.entries.filter((e) => e.hosts === `[${h.address}]:${h.port}`);
      expect(lines).toHaveLength(1);
      expect(lines[0]!.key.toString('base64')).toBe(h.key);
    }
    await expect(stat(`${file}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
