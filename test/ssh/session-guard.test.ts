import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, TimeoutError } from '../../src/core/errors.js';
import { connect, type SshConnection } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { prepareHelpers } from '../../src/ssh/session-guard.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { until } from '../bench/remote-processes.js';
import { running } from '../runner/support.js';
import { runUntilOutput } from './support/held.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

/** Polls until a process matching `pattern` (written not to match itself: `sleep 31[1]`) runs on `h`, or no longer does. */
const becomes = (h: BenchHost, pattern: string, present: boolean) => until(async () => (await running(h, pattern)) === present, 6_000);

/** What the host sees as the session shell's command line: the guard's mark once the guard is up. */
const ownLine = "tr '\\0' ' ' < /proc/$$/cmdline";

/** Runs commands on `c` until one carries the guard's mark. */
const guarded = (c: SshConnection) => runUntilOutput(c, ownLine, ': fleet-guard-', 'the guard');

describe('the session guard ends the later commands of a held connection (no watchdog per command)', () => {
  let bench: Bench;
  let h: BenchHost;
  let conn: SshConnection;
  const open = () => connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
  beforeAll(async () => {
    bench = await startBench(1);
    h = bench.hosts[0]!;
    conn = await open();
    await guarded(conn);
  }, 300_000);
  afterAll(async () => {
    await conn?.close();
    await bench?.stop();
  });

  it('a guarded command runs in the session shell with nothing beside it, and keeps its $$ and exit status', async () => {
    const first = await open();
    try {
      // A connection's first commands never wait for the guard: they have their own watchdog.
      expect((await runRemoteCommand(first, ownLine)).stdout.toString()).not.toContain('fleet-guard-');
    } finally {
      await first.close();
    }
    // Its process group: a session of its own, or on the connection's runner a job of it (session-runner.ts).
    const ps = await runRemoteCommand(conn, "ps -e -o pgid=,comm= | awk -v g=$$ '$1 == g { print $2 }'");
    expect(ps.stdout.toString().trim().split('\n')).toEqual(['bash', 'ps', 'awk']);
    const r = await runRemoteCommand(conn, '[ "$BASHPID" = "$$" ] && echo same; exit 4');
    expect(r.stdout.toString()).toBe('same\n');
    expect(r.exitCode).toBe(4);
  });

  it('a timeout ends the whole process group through the guard', async () => {
    const r = await runRemoteCommand(conn, 'sleep 311 & sleep 312; echo never', { timeoutMs: 1_000 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(r.stdout.toString()).not.toContain('never');
    expect(await becomes(h, 'sleep 31[12]', false)).toBe(true);
  });

  it('a command that ignores TERM is killed 2 s later', async () => {
    const r = await runRemoteCommand(conn, 'trap "" TERM; sleep 313; echo never', { timeoutMs: 1_000 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(await becomes(h, 'sleep 31[3]', false)).toBe(true);
  });

  it('a cancel ends the command', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const r = await runRemoteCommand(conn, 'sleep 314', { signal: controller.signal });
    expect(r.error).toBeInstanceOf(AbortError);
    expect(await becomes(h, 'sleep 31[4]', false)).toBe(true);
  });

  it('a lost connection ends what runs on it, spares what a finished command left, and no other connection is touched', async () => {
    const doomed = await open();
    await guarded(doomed);
    const other = new AbortController();
    const bystander = runRemoteCommand(conn, 'sleep 319', { signal: other.signal });
    try {
      expect((await runRemoteCommand(doomed, 'nohup sleep 315 >/dev/null 2>&1 & echo left')).stdout.toString()).toBe('left\n');
      const running = runRemoteCommand(doomed, 'sleep 316 & sleep 317');
      expect(await becomes(h, 'sleep 31[67]', true)).toBe(true);
      // The socket closed under the session, as the kernel closes it when the client is killed with -9.
      doomed.client.destroy();
      expect((await running).error).toBeDefined();
      expect(await becomes(h, 'sleep 31[67]', false)).toBe(true);
      expect(await becomes(h, 'sleep 31[5]', true)).toBe(true);
      expect(await becomes(h, 'sleep 31[9]', true)).toBe(true);
    } finally {
      other.abort();
      await bystander;
      await h.exec("pkill -f 'sleep 31[5]' || true");
    }
    expect(await becomes(h, 'sleep 31[9]', false)).toBe(true);
  });

  it('a command that may `exec` away its shell (and the mark) keeps its own watchdog', async () => {
    const line = await runRemoteCommand(conn, `: exec; ${ownLine}`);
    expect(line.stdout.toString()).not.toContain('fleet-guard-');
    const r = await runRemoteCommand(conn, 'exec sleep 318', { timeoutMs: 1_000 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(await becomes(h, 'sleep 31[8]', false)).toBe(true);
  });
});

describe('a server that allows one session per connection (MaxSessions 1)', () => {
  let bench: Bench;
  let h: BenchHost;
  beforeAll(async () => {
    bench = await startBench(1, { sshdOptions: ['MaxSessions 1'] });
    h = bench.hosts[0]!;
  }, 300_000);
  afterAll(() => bench?.stop());

  it('gets its commands and SFTP all the same: the guard gives its channel back when one is refused', async () => {
    const conn = await connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
    try {
      for (let i = 0; i < 12; i++) {
        const r = await runRemoteCommand(conn, `echo ${i}`);
        expect(r.error).toBeUndefined();
        expect(r.stdout.toString()).toBe(`${i}\n`);
      }
      expect(await becomes(h, 'fleet-guar[d]-', false)).toBe(true);
      const sftp = await conn.sftp();
      expect(typeof sftp.readdir).toBe('function');
    } finally {
      await conn.close();
    }
  });

  it('guard and runner started while idle (as the broker does between runs): the commands after still run', async () => {
    const conn = await connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
    try {
      expect((await runRemoteCommand(conn, 'true')).error).toBeUndefined();
      // As the broker, after a pause: the command's CLOSE crossing their opens would refuse them both.
      await new Promise((r) => setTimeout(r, 300));
      prepareHelpers(conn);
      // One of them holds the one session now.
      expect(await becomes(h, 'fleet-(guar[d]|en[d])-', true)).toBe(true);
      for (let i = 0; i < 6; i++) {
        const r = await runRemoteCommand(conn, `echo ${i}`);
        expect(r.error).toBeUndefined();
        expect(r.stdout.toString()).toBe(`${i}\n`);
      }
    } finally {
      await conn.close();
    }
  });

  it('opens SFTP after the guard started: the guard leaves so the transfer gets the one session', async () => {
    const conn = await connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
    try {
      for (let i = 0; i < 7; i++) await runRemoteCommand(conn, 'true');
      await runRemoteCommand(conn, 'true').catch(() => undefined);
      // Whichever of the guard and the second command got the session, SFTP still opens.
      const sftp = await conn.sftp();
      const names = await new Promise<string[]>((resolve, reject) =>
        sftp.readdir('/tmp', (err, list) => (err ? reject(err) : resolve(list.map((e) => e.filename)))),
      );
      expect(Array.isArray(names)).toBe(true);
    } finally {
      await conn.close();
    }
  });
});
