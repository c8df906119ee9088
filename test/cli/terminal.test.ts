import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { CLI, closeCliBench, openCliBench, runCli, sleep, writeCliInventory } from './support.js';
import { COLOUR, sh, TmuxSession } from './tmux.js';

/** The progress line: `[====>    ] 1/2 · 0 failed · 0 unreachable · 1.3 s`. */
const PROGRESS = /\d+\/2 · \d+ failed · \d+ unreachable · \d+\.\d s/;
const strip = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
// The first contact with each host adds accept-new's "Permanently added" notice; this file is about output and progress.
const lines = (screen: string) =>
  screen.split('\n').map((l) => l.trimEnd()).filter((l) => l !== '' && !/Permanently added/.test(l));

describe('fleet CLI on a real terminal (tmux) and through a pipe', () => {
  let bench: Bench;
  let inv: string;
  let bare: string;
  let session: TmuxSession | undefined;
  const fleet = (args: string) => `node ${sh(CLI)} ${args}`;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(2, { bench: { hostsPerContainer: 2 } }));
    bare = writeCliInventory(bench, { credentials: false }).file;
  });
  afterEach(() => {
    session?.kill();
    session = undefined;
  });
  afterAll(() => closeCliBench(bench));

  const command = "exec 'echo first; sleep 2; echo second >&2'";

  it('a TTY shows the live progress line under intact output lines, colour, and no progress at the end', async () => {
    session = new TmuxSession(fleet(`${command} -i ${sh(inv)}`));
    const during = await session.waitForScreen(new RegExp(`first[^]*first[^]*${PROGRESS.source}`));
    const shown = lines(during);
    expect(strip(shown.at(-1)!)).toMatch(new RegExp(`^\\[=*>? *\\] ${PROGRESS.source}$`));
    expect(shown.slice(0, -1).map(strip).sort()).toEqual(['h01 | first', 'h02 | first']);
    // Host names in their colours (tmux re-encodes our reset as 39, default foreground); the text untouched.
    for (const l of shown.slice(0, -1)) expect(l).toMatch(/^\x1b\[\d+mh0[12]\x1b\[39m \| first$/);

    expect(await session.exitCode()).toBe(0);
    const after = lines(session.screen());
    expect(after.some((l) => PROGRESS.test(strip(l)))).toBe(false);
    expect(after.map(strip)).toEqual([
      expect.stringMatching(/^h0[12] \| first$/),
      expect.stringMatching(/^h0[12] \| first$/),
      expect.stringMatching(/^h0[12] ! second$/),
      expect.stringMatching(/^h0[12] ! second$/),
      expect.stringMatching(/^2 ok · 0 failed · 0 unreachable · 2 hosts in \d\.\d\d s$/),
    ]);
    expect(after.find((l) => l.includes('second'))).toMatch(/\x1b\[31m!\x1b\[39m second$/);
    expect(after.at(-1)).toMatch(/^\x1b\[32m2 ok\x1b\[39m · /);
  });

  it('through a pipe: no progress line and no escape sequence at all', async () => {
    const r = await runCli(['exec', 'echo first; sleep 2; echo second >&2', '-i', inv]);
    expect(r.code).toBe(0);
    expect(r.stdout + r.stderr).not.toContain('\x1b');
    expect(r.stdout + r.stderr).not.toContain('\r');
    expect(r.stderr).not.toMatch(PROGRESS);
    expect(r.stdout.split('\n').sort()).toEqual(['', 'h01 | first', 'h02 | first']);
  });

  it('NO_COLOR: still a progress line on a TTY, but no colour', async () => {
    session = new TmuxSession(`NO_COLOR=1 ${fleet(`${command} -i ${sh(inv)}`)}`);
    await session.waitForScreen(PROGRESS);
    expect(await session.exitCode()).toBe(0);
    const screen = session.screen();
    expect(screen).toContain('h01 | first');
    expect(screen).not.toMatch(COLOUR);
  });

  it('--no-color and --no-progress on a TTY; --color through a pipe', async () => {
    session = new TmuxSession(fleet(`${command} -i ${sh(inv)} --no-color --no-progress`));
    const seen: string[] = [];
    for (let i = 0; i < 20 && seen.length < 20; i++) {
      seen.push(session.screen());
      await sleep(100);
    }
    expect(await session.exitCode()).toBe(0);
    seen.push(session.screen());
    for (const s of seen) expect(s).not.toMatch(PROGRESS);
    expect(seen.at(-1)).not.toMatch(COLOUR);
    expect(seen.at(-1)).toContain('h02 | first');

    const forced = await runCli(['exec', 'echo hi >&2; echo out', '-i', inv, '--color']);
    expect(forced.stdout).toMatch(/^\x1b\[\d+mh01\x1b\[0m \| out$/m);
    expect(forced.stderr).toMatch(/\x1b\[31m!\x1b\[0m hi/);
    expect(forced.stderr).not.toMatch(PROGRESS);
  });

  it('--ask-pass on a TTY prompts once on the terminal and echoes nothing', async () => {
    const password = bench.hosts[0]!.password;
    session = new TmuxSession(fleet(`exec --ask-pass --sudo whoami -i ${sh(bare)}`));
    await session.waitForScreen(/^SSH password:$/m);
    // `--`: a generated password may begin with '-', which tmux would read as a flag.
    session.keys('-l', '--', password);
    session.keys('Enter');
    expect(await session.exitCode()).toBe(0);
    const screen = strip(session.screen());
    expect(screen).toMatch(/^SSH password:$/m);
    expect(screen).toMatch(/^h01 \| root$/m);
    expect(screen).toMatch(/^h02 \| root$/m);
    expect(screen).not.toContain(password);
    expect(screen.match(/SSH password:/g)).toHaveLength(1);
  });

  it('Ctrl-C on the terminal (SIGINT to the whole process group): cancelled hosts, remote commands ended, exit 130', async () => {
    session = new TmuxSession(fleet(`exec 'echo started; sleep 45' -i ${sh(inv)} -w 2`));
    await session.waitForScreen(/started[^]*started/);
    session.keys('C-c');
    expect(await session.exitCode(10_000)).toBe(130);
    const screen = strip(session.screen());
    expect(screen).toMatch(/^h01\s+ABORT\s+/m);
    expect(screen).not.toContain('WORKER_CRASH');
    expect(screen).toMatch(/^0 ok · 2 failed · 0 unreachable · 2 hosts in /m);
    const left = await bench.hosts[0]!.exec('pgrep -f "^sleep 45$" || true');
    expect(left.stdout.trim()).toBe('');
  });
});
