import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostKeyError } from '../../src/core/errors.js';
import { connect } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { parseKnownHosts } from '../../src/ssh/known-hosts.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

const lockModule = fileURLToPath(new URL('../../src/ssh/known-hosts-lock.ts', import.meta.url));

/** Another process (as a second fleet would be) that takes the lock file with fleet's own code and keeps it. */
async function lockHolder(lockPath: string): Promise<ChildProcess> {
  const script =
    `const { withFileLock } = await import(${JSON.stringify(lockModule)});` +
    `await withFileLock(${JSON.stringify(lockPath)}, () => { process.stdout.write('held\\n'); setInterval(() => {}, 60_000); return new Promise(() => {}); });`;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [line] = (await Promise.race([once(child.stdout!, 'data'), once(child, 'exit')])) as [Buffer | number];
  if (!Buffer.isBuffer(line) || line.toString() !== 'held\n') throw new Error(`lock holder did not take the lock (${String(line)})`);
  return child;
}

async function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

describe('ssh: the known_hosts lock has its own wait and breaks stale locks (defect 10a)', () => {
  let bench: Bench;
  let h: BenchHost;
  const holders: ChildProcess[] = [];
  beforeAll(async () => {
    bench = await startBench(1);
    h = bench.hosts[0]!;
  });
  afterAll(async () => {
    await Promise.all(holders.map(kill9));
    await bench?.stop();
  });

  it('a lock left by a fleet killed with -9 is broken at once: accept-new logs in and records the key', async () => {
    const kh = tempKnownHosts();
    const holder = await lockHolder(`${kh}.lock`);
    holders.push(holder);
    await kill9(holder);
    expect(await readFile(`${kh}.lock`, 'utf8')).toMatch(new RegExp(`^${holder.pid} `));

    const conn = await connect(optionsFor(h, kh, { password: h.password }));
    try {
      expect((await runRemoteCommand(conn, 'echo in')).stdout.toString()).toBe('in\n');
    } finally {
      await conn.close();
    }
    const entries = parseKnownHosts(await readFile(kh, 'utf8')).entries;
    expect(entries.map((e) => e.hosts)).toEqual([`[${h.address}]:${h.port}`]);
    await expect(stat(`${kh}.lock`)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('a lock a live process keeps: the lock\'s own error after its own wait, not a connect timeout', async () => {
    const kh = tempKnownHosts();
    const holder = await lockHolder(`${kh}.lock`);
    holders.push(holder);
    // The connect timeout (1 s) is far shorter than the lock's wait: the wait must not count against it.
    const err = await connect(optionsFor(h, kh, { password: h.password, connectTimeoutMs: 1_000 })).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyError);
    const e = err as HostKeyError;
    expect(e.host).toBe(h.name);
    expect(e.message).toContain(`${h.name}: cannot add its host key to ${kh}: pid ${holder.pid} on `);
    expect(e.message).toMatch(new RegExp(`has held the lock file ${kh}\\.lock for more than 1\\d s`));
    expect(e.message).toContain(`remove it (rm ${kh}.lock)`);
    expect(e.message).not.toMatch(/timed out after|down or hung/);
    // The holder's lock was respected.
    expect(await readFile(`${kh}.lock`, 'utf8')).toMatch(new RegExp(`^${holder.pid} `));
    await expect(stat(kh)).rejects.toMatchObject({ code: 'ENOENT' });
    await kill9(holder);
  });
});
