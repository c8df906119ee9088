import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CommandError, TimeoutError } from '../../src/core/errors.js';
import { connect, type SshConnection } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { ansiCQuote } from '../../src/ssh/session-runner.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { until } from '../bench/remote-processes.js';
import { running } from '../runner/support.js';
import { runUntilOutput } from './support/held.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

/** What started the command's shell, as the host sees it: sshd for a session of its own, else the runner. */
const parentLine = "tr '\\0' ' ' < /proc/$PPID/cmdline";

/** Runs commands on `c` until one runs on the connection's runner (it starts with the guard). */
const onRunner = (c: SshConnection) => runUntilOutput(c, parentLine, 'fleet-end-', 'the runner');

/** sshd's count of session channels opened on it so far (LogLevel DEBUG1 logs each). */
async function sessionsOpened(h: BenchHost): Promise<number> {
  return ((await h.logs()).match(/server_input_channel_open: ctype session/g) ?? []).length;
}

describe("a held connection's runner: commands without a session each", () => {
  let bench: Bench;
  let h: BenchHost;
  let conn: SshConnection;
  beforeAll(async () => {
    bench = await startBench(1, { sshdOptions: ['LogLevel DEBUG1'] });
    h = bench.hosts[0]!;
    conn = await connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
    await onRunner(conn);
  }, 300_000);
  afterAll(async () => {
    await conn?.close();
    await bench?.stop();
  });

  it('ten commands open no session on the server, and each keeps its output, stderr and exit status', async () => {
    const before = await sessionsOpened(h);
    // The count is real: the connection's first commands, its guard and its runner each opened one.
    expect(before).toBeGreaterThanOrEqual(10);
    for (let i = 0; i < 10; i++) {
      const r = await runRemoteCommand(conn, `echo out${i}; echo err${i} >&2; exit ${i}`);
      expect(r).toMatchObject({ exitCode: i, signal: null });
      expect(r.stdout.toString()).toBe(`out${i}\n`);
      expect(r.stderr.toString()).toBe(`err${i}\n`);
    }
    expect((await sessionsOpened(h)) - before).toBe(0);
  });

  it('runs the command as sshd would: the login shell, home directory, no stdin, a process group of its own', async () => {
    const r = await runRemoteCommand(conn, `echo "$0|$PWD|$HOME"; cat; ps -e -o pgid=,comm= | awk -v g=$$ '$1 == g { print $2 }'`);
    const [first, ...group] = r.stdout.toString().trim().split('\n');
    expect(first).toMatch(/^\S*bash\|(\S+)\|\1$/);
    expect(group).toEqual(['bash', 'ps', 'awk']);
  });

  it('passes every byte through, both ways: the command text and its output', async () => {
    const bytes = Array.from({ length: 255 }, (_, i) => i + 1);
    const text = String.fromCharCode(...bytes.filter((b) => b < 0x80));
    const r = await runRemoteCommand(conn, `printf %s ${ansiCQuote(text)}; printf '\\377\\200\\n'`);
    expect(r.stdout).toEqual(Buffer.concat([Buffer.from(text, 'latin1'), Buffer.from([0xff, 0x80, 0x0a])]));
    const unicode = await runRemoteCommand(conn, "echo 'üñí € — \"quoted\" $HOME `x`' \\\\ 'it'\\''s'");
    expect(unicode.stdout.toString()).toBe('üñí € — "quoted" $HOME `x` \\ it\'s\n');
    const big = await runRemoteCommand(conn, 'head -c 3000000 /dev/zero | tr "\\0" x');
    expect(big.stdout.length).toBe(3_000_000);
  });

  it('waits, as sshd does, for a background job that keeps its output, not for one that let go of it', async () => {
    const held = await runRemoteCommand(conn, '(sleep 1; echo late) & echo now');
    expect(held.stdout.toString()).toBe('now\nlate\n');
    expect(held.durationMs).toBeGreaterThanOrEqual(900);
    const freed = await runRemoteCommand(conn, 'sleep 341 >/dev/null 2>&1 & echo now');
    expect(freed.stdout.toString()).toBe('now\n');
    expect(freed.durationMs).toBeLessThan(900);
    expect(await running(h, 'sleep 34[1]')).toBe(true);
    await h.exec("pkill -f 'sleep 34[1]' || true");
  });

  it('a timeout ends the command through the guard, reported as the signal; the runner goes on', async () => {
    const r = await runRemoteCommand(conn, 'sleep 342 & sleep 343', { timeoutMs: 800 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(r).toMatchObject({ exitCode: null, signal: 'SIGTERM' });
    expect(await until(async () => !(await running(h, 'sleep 34[23]')), 6_000)).toBe(true);
    const next = await runRemoteCommand(conn, parentLine);
    expect(next.stdout.toString()).toContain('fleet-end-');
  });

  it("a command that kills its own shell reports the shell's 128+N (the runner cannot tell it from an exit)", async () => {
    expect(await runRemoteCommand(conn, 'kill -KILL $$')).toMatchObject({ exitCode: 137, signal: null });
    expect(await runRemoteCommand(conn, 'exit 137')).toMatchObject({ exitCode: 137, signal: null });
  });

  it('two commands at once on one connection: the second gets a channel of its own', async () => {
    const [a, b] = await Promise.all([runRemoteCommand(conn, `sleep 0.5; ${parentLine}`), runRemoteCommand(conn, parentLine)]);
    const parents = [a.stdout.toString(), b.stdout.toString()];
    expect(parents.filter((p) => p.includes('fleet-end-'))).toHaveLength(1);
    expect(parents.filter((p) => p.startsWith('sshd'))).toHaveLength(1);
  });

  it('a killed runner: its command is failed as such, not as a lost connection, and a new runner takes its place', async () => {
    const victim = runRemoteCommand(conn, 'echo before; sleep 344');
    expect(await until(() => running(h, 'sleep 34[4]'))).toBe(true);
    await h.exec("pkill -KILL -f 'E=fleet-en[d]-' || true");
    // sshd keeps the channel while the orphaned command holds its output, as it would for a session's.
    await h.exec("pkill -f 'sleep 34[4]' || true");
    const r = await victim;
    // The host is there and the connection up: only the exit status is lost (exit 1, not 3 "unreachable").
    expect(r.error).toBeInstanceOf(CommandError);
    expect(r.error?.message).toMatch(/^h01: fleet's runner shell on the host was killed by SIGKILL while it ran this command, so the command's exit status is unknown/);
    expect(r.stdout.toString()).toBe('before\n');
    expect(conn.lost).toBeUndefined();
    const after = await runRemoteCommand(conn, `echo ok; ${parentLine}`);
    expect(after.error).toBeUndefined();
    expect(after.stdout.toString()).toMatch(/^ok\nsshd/);
    await onRunner(conn);
  });

  it('a background job that never lets go of the output: the timeout still ends the run, and the runner leaves', async () => {
    const c = await connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
    try {
      await onRunner(c);
      const runner = (await runRemoteCommand(c, 'echo $PPID')).stdout.toString().trim();
      const r = await runRemoteCommand(c, '(sleep 345) & echo started', { timeoutMs: 1_000 });
      expect(r.error).toBeInstanceOf(TimeoutError);
      expect(r.stdout.toString()).toBe('started\n');
      expect(r.durationMs).toBeLessThan(8_000);
      // The runner that waited for it was given up: nothing of fleet's stays on the host looking.
      const gone = async () => (await h.exec(`kill -0 ${runner} 2>/dev/null && echo alive || echo gone`)).stdout.trim() === 'gone';
      expect(await until(gone, 6_000)).toBe(true);
      expect((await runRemoteCommand(c, 'echo ok')).stdout.toString()).toBe('ok\n');
    } finally {
      await h.exec("pkill -f 'sleep 34[5]' || true");
      await c.close();
    }
  });
});
