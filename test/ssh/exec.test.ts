import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, AuthError, TimeoutError } from '../../src/core/errors.js';
import { connect, type SshConnection } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { buildRemoteCommand } from '../../src/ssh/remote-command.js';
import { shellQuote } from '../../src/ssh/shell-quote.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

/**
 * Polls the host until no process matches `pattern` (the remote kill is asynchronous), or gives up. Write the
 * pattern so it does not match itself (`sleep 30[3]`): pgrep's parent shell carries it in its arguments.
 */
async function gone(h: BenchHost, pattern: string, withinMs = 5_000): Promise<boolean> {
  const deadline = Date.now() + withinMs;
  for (;;) {
    const r = await h.exec(`pgrep -f '${pattern}' || true`);
    if (r.stdout.trim() === '') return true;
    if (Date.now() > deadline) return false;
    await new Promise((res) => setTimeout(res, 100));
  }
}

describe('ssh exec on real sshd', () => {
  let bench: Bench;
  let h: BenchHost;
  let conn: SshConnection;
  const open = () => connect(optionsFor(h, tempKnownHosts(), { identityFiles: [h.keys.ed25519.path] }));
  /** A connection's first command has a watchdog of its own; later ones are guarded (session-guard.test.ts). */
  const firstCommand = async (command: string, options?: Parameters<typeof runRemoteCommand>[2]) => {
    const fresh = await open();
    try {
      return await runRemoteCommand(fresh, command, options);
    } finally {
      await fresh.close();
    }
  };
  beforeAll(async () => {
    bench = await startBench(1, { sshdOptions: ['LogLevel VERBOSE'] });
    h = bench.hosts[0]!;
    conn = await open();
  });
  afterAll(async () => {
    await conn?.close();
    await bench?.stop();
  });

  it('keeps stdout and stderr apart, line for line, even when they alternate fast', async () => {
    const r = await runRemoteCommand(conn, 'for i in $(seq 1 2000); do echo "out $i"; echo "err $i" >&2; done');
    const out = r.stdout.toString().trimEnd().split('\n');
    const err = r.stderr.toString().trimEnd().split('\n');
    expect(out).toHaveLength(2000);
    expect(err).toHaveLength(2000);
    expect(out.every((l, i) => l === `out ${i + 1}`)).toBe(true);
    expect(err.every((l, i) => l === `err ${i + 1}`)).toBe(true);
    expect(r).toMatchObject({ exitCode: 0, signal: null, truncated: false, host: 'h01' });
    expect(r.error).toBeUndefined();
  });

  // 48 at once: sshd may still count one burst's closed sessions when the next burst's opens arrive right
  // behind their CLOSEs (CI saw 'open failed' once with 60 + 60), so two bursts fit the bench's MaxSessions 100.
  it('never loses the exit of a fast command (exit and close can share one TCP read with the exec reply)', async () => {
    const results = await Promise.all(Array.from({ length: 48 }, (_, i) => runRemoteCommand(conn, i % 2 ? 'true' : 'echo x')));
    for (const r of results) {
      expect(r.error).toBeUndefined();
      expect(r.exitCode).toBe(0);
    }
    expect(results.filter((r) => r.stdout.toString() === 'x\n')).toHaveLength(24);
    // Nothing per command stays attached to the long-lived connection.
    expect(conn.client.listenerCount('close')).toBeLessThan(5);
    expect((conn as unknown as { closeWaiters: Set<unknown> }).closeWaiters.size).toBe(0);
  });

  it('never loses the status of a command that exits at once (exit 7, 48 at once on one connection)', async () => {
    const results = await Promise.all(Array.from({ length: 48 }, () => runRemoteCommand(conn, 'exit 7')));
    expect(results.map((r) => r.exitCode)).toEqual(Array.from({ length: 48 }, () => 7));
  });

  it('a command without stdin has a lifeline watchdog: no sleep polling in its session', async () => {
    // The session's processes (sshd made the wrapper a session leader); the polling watchdog had a `sleep`.
    const r = await firstCommand('ps -o comm= -s $$');
    const names = r.stdout.toString().trim().split('\n');
    expect(names).not.toContain('sleep');
    expect(names.length).toBe(3); // the session's shell, the watchdog, ps
  });

  it('a command without stdin runs in the session shell itself: no subshell is forked for it', async () => {
    const r = await runRemoteCommand(conn, '[ "$BASHPID" = "$$" ] && echo same');
    expect(r.stdout.toString()).toBe('same\n');
  });

  it("a command's bare `wait` waits for its own jobs only, not for fleet's watchdog", async () => {
    const r = await runRemoteCommand(conn, 'sleep 0.2 & sleep 0.3 & wait; echo waited', { timeoutMs: 10_000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout.toString()).toBe('waited\n');
  });

  it('the wrapper works in a login shell that is not bash (dash): `wait`, exit status, no watchdog left', async () => {
    // The wrapper as dash would run it, with a lifeline of its own that stays open (a process substitution).
    const line = buildRemoteCommand('sleep 0.2 & wait; echo waited; exit 5').line;
    const r = await runRemoteCommand(conn, `dash -c ${shellQuote(line)} < <(sleep 30 2>/dev/null); s=$?; kill $!; echo "status $s"`, { timeoutMs: 10_000 });
    expect(r.error).toBeUndefined();
    expect(r.stdout.toString()).toBe('waited\nstatus 5\n');
    expect(await gone(h, '__fleet_[w]')).toBe(true);
  });

  it('what a command puts in the background outlives it, as with plain ssh, and `exit` takes the watchdog along', async () => {
    const r = await firstCommand('nohup sleep 307 >/dev/null 2>&1 & exit 4');
    expect(r.exitCode).toBe(4);
    try {
      // The watchdog's line holds its variable's name; none may be left once the session has gone.
      expect(await gone(h, '__fleet_[w]')).toBe(true);
      expect((await h.exec("pgrep -f 'sleep 30[7]' || true")).stdout.trim()).not.toBe('');
    } finally {
      await h.exec("pkill -f 'sleep 30[7]' || true");
    }
  });

  it('320 quick commands on one held connection all end (the old signal-based lifeline lost ~1 in 250)', async () => {
    const chain = async () => {
      const codes: (number | null)[] = [];
      for (let i = 0; i < 40; i++) codes.push((await runRemoteCommand(conn, 'true')).exitCode);
      return codes;
    };
    const codes = (await Promise.all(Array.from({ length: 8 }, chain))).flat();
    expect(codes).toEqual(Array.from({ length: 320 }, () => 0));
  });

  it('a command given stdin still reads it to the end (the polling watchdog guards it)', async () => {
    const r = await runRemoteCommand(conn, 'wc -c; ps -o comm= -s $$ | grep -c "^sleep$"', { stdin: Buffer.from('12345') });
    expect(r.stdout.toString().split(/\s+/).filter(Boolean)).toEqual(['5', '1']);
  });

  it('reports the exit code and duration; a non-zero exit is a result, not an error', async () => {
    const r = await runRemoteCommand(conn, 'echo bye; exit 3');
    expect(r.exitCode).toBe(3);
    expect(r.stdout.toString()).toBe('bye\n');
    expect(r.error).toBeUndefined();
    expect(r.durationMs).toBeGreaterThan(0);
  });

  it('reports a signal death as ssh does: $$ is the session shell, and killing it gives the signal', async () => {
    // On a connection's first commands, each a session of its own (later ones run on its runner, whose
    // shell status says 128+N: session-runner.test.ts).
    const fresh = await open();
    try {
      expect(await runRemoteCommand(fresh, 'kill -KILL $$')).toMatchObject({ exitCode: null, signal: 'SIGKILL' });
    } finally {
      await fresh.close();
    }
    // A child killed by a signal is an exit status of the shell, 128+N, as in any shell.
    const child = await runRemoteCommand(conn, 'sh -c "kill -KILL \\$\\$"');
    expect(child).toMatchObject({ exitCode: 137, signal: null });
  });

  it('takes any command text: a trailing comment, a heredoc, unbalanced quotes inside quotes', async () => {
    const r = await runRemoteCommand(conn, "echo ')(' # a comment with ) in it");
    expect(r.stdout.toString()).toBe(')(\n');
    const heredoc = await runRemoteCommand(conn, 'cat <<EOF\nline one\nEOF');
    expect(heredoc.stdout.toString()).toBe('line one\n');
  });

  it('runs in the login shell of the user (bash syntax works)', async () => {
    const r = await runRemoteCommand(conn, 'echo {a,b}; [[ 1 == 1 ]] && echo yes');
    expect(r.stdout.toString()).toBe('a b\nyes\n');
  });

  it('feeds stdin, and closes it when none is given', async () => {
    const big = 'x'.repeat(1024 * 1024);
    const r = await runRemoteCommand(conn, 'wc -c', { stdin: big });
    expect(r.stdout.toString().trim()).toBe(String(big.length));
    const empty = await runRemoteCommand(conn, 'cat; echo done', { timeoutMs: 5_000 });
    expect(empty.stdout.toString()).toBe('done\n');
  });

  it('sets env and working directory, quoting values safely', async () => {
    const r = await runRemoteCommand(conn, 'pwd; echo "$GREETING"', { cwd: '/tmp', env: { GREETING: "it's $HOME `x`" } });
    expect(r.stdout.toString()).toBe("/tmp\nit's $HOME `x`\n");
  });

  it('streams output as it arrives', async () => {
    const started = Date.now();
    let firstAt = 0;
    const r = await runRemoteCommand(conn, 'echo first; sleep 1.5; echo second', {
      onStdout: () => {
        firstAt ||= Date.now() - started;
      },
    });
    expect(r.stdout.toString()).toBe('first\nsecond\n');
    expect(firstAt).toBeGreaterThan(0);
    expect(firstAt).toBeLessThan(r.durationMs - 1_000);
  });

  it('caps what it keeps and says so, while streaming everything', async () => {
    let streamed = 0;
    const r = await runRemoteCommand(conn, 'head -c 3000000 /dev/zero', {
      maxBufferBytes: 1_000_000,
      onStdout: (b) => {
        streamed += b.length;
      },
    });
    expect(r.stdout.length).toBe(1_000_000);
    expect(r.truncated).toBe(true);
    expect(streamed).toBe(3_000_000);
  });

  it('a command past its timeout → TimeoutError, and the remote processes are gone', async () => {
    const started = Date.now();
    const r = await runRemoteCommand(conn, 'sleep 301 & sleep 302; echo never', { timeoutMs: 1_000 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(r.error?.host).toBe('h01');
    expect(r.error?.message).toMatch(/command still running after 1000 ms/);
    expect(r.stdout.toString()).not.toContain('never');
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(await gone(h, 'sleep 30[12]')).toBe(true);
  });

  it("a connection's first command past its timeout is ended by its watchdog, TERM then KILL", async () => {
    const r = await firstCommand('trap "" TERM; sleep 308 & sleep 309; echo never', { timeoutMs: 1_000 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(r.stdout.toString()).not.toContain('never');
    expect(await gone(h, 'sleep 30[89]')).toBe(true);
  });

  it('a command that ignores TERM is killed after the grace period', async () => {
    const started = Date.now();
    const r = await runRemoteCommand(conn, 'trap "" TERM; sleep 306; echo never', { timeoutMs: 1_000 });
    expect(r.error).toBeInstanceOf(TimeoutError);
    expect(Date.now() - started).toBeLessThan(6_000);
    expect(await gone(h, 'sleep 30[6]')).toBe(true);
  });

  it('an aborted command → AbortError, and the remote process is gone', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 500);
    const r = await runRemoteCommand(conn, 'sleep 303', { signal: controller.signal });
    expect(r.error).toBeInstanceOf(AbortError);
    expect(await gone(h, 'sleep 30[3]')).toBe(true);
  });

  it('sudo: runs as root, the password is neither in the output nor in any process list', async () => {
    const r = await runRemoteCommand(conn, 'id -un', { sudo: {}, sudoPassword: h.password });
    expect(r.error).toBeUndefined();
    expect(r).toMatchObject({ exitCode: 0 });
    expect(r.stdout.toString()).toBe('root\n');
    expect(r.stderr.toString()).toBe('');
    const ps = await runRemoteCommand(conn, 'sleep 0.5 & ps -eo args; wait', { sudo: {}, sudoPassword: h.password });
    expect(ps.stdout.toString()).toContain('sudo -S');
    expect(ps.stdout.toString()).not.toContain(h.password);
  });

  it('sudo: stdin goes to the command after the password, never the password itself', async () => {
    const r = await runRemoteCommand(conn, 'cat', { sudo: {}, sudoPassword: h.password, stdin: 'payload\n' });
    expect(r.stdout.toString()).toBe('payload\n');
  });

  it('sudo -u another user', async () => {
    const r = await runRemoteCommand(conn, 'id -un', { sudo: { user: 'nobody' }, sudoPassword: h.password });
    expect(r.stdout.toString()).toBe('nobody\n');
  });

  it('sudo with a wrong password → AuthError, without hanging', async () => {
    const r = await runRemoteCommand(conn, 'id -un', { sudo: {}, sudoPassword: 'wrong', timeoutMs: 15_000 });
    expect(r.error).toBeInstanceOf(AuthError);
    expect(r.error?.message).toMatch(/sudo refused the password/);
    expect(r.stdout.toString()).toBe('');
  });

  it('sudo without a password when one is needed → AuthError', async () => {
    const r = await runRemoteCommand(conn, 'id -un', { sudo: {}, timeoutMs: 15_000 });
    expect(r.error).toBeInstanceOf(AuthError);
    expect(r.error?.message).toMatch(/sudo wants a password/);
  });

  it('an exec-only connection opens no SFTP channel; the first transfer opens one', async () => {
    const c = await connect(optionsFor(h, tempKnownHosts(), { password: h.password }));
    try {
      await runRemoteCommand(c, 'true');
      const before = (await h.logs()).match(/subsystem 'sftp'/g)?.length ?? 0;
      await runRemoteCommand(c, 'true');
      expect((await h.logs()).match(/subsystem 'sftp'/g)?.length ?? 0).toBe(before);
      const sftp = await c.sftp();
      expect(await c.sftp()).toBe(sftp);
      await new Promise((res) => setTimeout(res, 200));
      expect((await h.logs()).match(/subsystem 'sftp'/g)?.length ?? 0).toBe(before + 1);
    } finally {
      await c.close();
    }
  });
});
