import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { leaveChannel, openHelperChannel } from './helper-channel.js';
import { SessionRunner } from './session-runner.js';
import type { SshConnection } from './ssh-connection.js';

/**
 * One process per held connection that ends the connection's commands when it is lost, so that a command
 * needs no watchdog of its own (remote-command.ts: the watchdog is a fork per command, ~20% of a warm exec
 * round on the bench's sshd).
 *
 * It starts at a connection's eighth command (the broker's second, or between its runs: see startAt and
 * prepareHelpers). Each guarded command's line starts with a mark, `: fleet-guard-<token>-<n>;`, which stays
 * in its login shell's /proc/PID/cmdline while that shell lives. The guard reads its channel's input: a line
 * `TERM n` or `KILL n` signals the process group of command n (a timeout, a cancel); EOF — sshd closes the input when the
 * connection goes, a killed client included — ends every command still running, TERM, then KILL 2 s later.
 * It only signals a group whose leader is alive and still carries the mark, so what a finished command left
 * running (nohup) outlives it, as with plain ssh. Its own line holds the token split, so it never matches.
 *
 * Linux (/proc) and bash only: the guard says so before it is used, and elsewhere commands keep their
 * watchdog. A command that runs `exec` replaces the marked shell, so it keeps its watchdog too.
 */
function guardScript(token: string): string {
  return [
    `exec 2>/dev/null; t=fleet-guard-; t=\${t}${token}`,
    'k() { g=1; for f in $(grep -lsF -e "$2" /proc/[0-9]*/cmdline); do p=${f#/proc/}; p=${p%/cmdline}; ' +
      'read -r s < "/proc/$p/stat" || continue; s=${s##*) }; set -- "$1" $s; ' +
      '[ "$4" = "$p" ] && kill -"$1" -- "-$p" && g=0; done; return $g; }',
    '[ -n "${BASH_VERSION-}" ] && [ -r /proc/$$/cmdline ] && command -v grep >/dev/null && echo ready',
    'while read -r sig n; do [ "$sig" = QUIT ] && exit 0; k "$sig" "$t-$n;"; done',
    'k TERM "$t-" && { sleep 2; k KILL "$t-"; }',
    '',
  ].join('\n');
}

/** A guarded command: the mark its line starts with, and how to signal it through the guard. */
export interface GuardedCommand {
  mark: string;
  /** False when the guard is gone: the caller signals the command itself then. */
  signal(name: 'TERM' | 'KILL'): boolean;
}

export class SessionGuard {
  private readonly token = randomBytes(8).toString('hex');
  /** Set once the guard said it is ready; unset when its channel closes or it was told to quit. */
  private channel: ClientChannel | undefined;
  private readonly opened: Promise<ClientChannel | undefined>;
  private next = 0;

  constructor(conn: SshConnection) {
    this.opened = openHelperChannel(
      conn,
      guardScript(this.token),
      (channel) => (this.channel = channel),
      () => (this.channel = undefined),
    );
    conn.holdSpareChannel(() => this.quit());
  }

  /**
   * Leaves without ending anything (the server refused a channel this one may have taken): later commands
   * get their own watchdog; guarded ones still running lose their lifeline, not their stop (signal requests).
   */
  private async quit(): Promise<void> {
    this.channel = undefined;
    await leaveChannel(await this.opened, (channel) => channel.write('QUIT\n'));
  }

  /** A mark for one more command, once the guard has said it is ready; undefined until then (or after). */
  guard(): GuardedCommand | undefined {
    if (!this.channel) return undefined;
    const n = ++this.next;
    return {
      mark: `fleet-guard-${this.token}-${n}`,
      signal: (name) => {
        const ch = this.channel;
        if (!ch || !ch.writable) return false;
        ch.write(`${name} ${n}\n`);
        return true;
      },
    };
  }
}

interface GuardState {
  execs: number;
  guard?: SessionGuard;
  runner?: SessionRunner;
  runners: number;
}

/**
 * How many runners a connection starts in all: one is given up when a stop of its command finds no answer
 * (a cancelled run whose output nobody reads any more, a job that holds the output), and a connection that
 * keeps losing them is better served by channels.
 */
const MAX_RUNNERS = 3;

const states = new WeakMap<SshConnection, GuardState>();

/**
 * The command of a connection that starts its guard. The guard is a session of its own on the host (sshd's
 * fork, PAM, a shell: ~5 watchdog forks' worth), so it pays back only over the ~4 commands after it; a
 * 5-command script on 50 hosts measured 1.10× → 1.16× the floor with a guard from its fourth. So a library
 * connection starts one at its eighth (it has shown it is a long-lived one), and the broker, which exists to
 * hold sessions for many runs, at its second (startGuardsAt, from PoolOptions.guardFrom).
 */
let startAt = 8;

export function startGuardsAt(nth: number): void {
  startAt = Math.max(1, nth);
}

/**
 * The guard for the next command on `conn`. Commands before `startAt` never wait for one — a one-shot run or
 * a short script pays nothing; that one starts the guard (a channel more, once), and commands use it once it
 * is ready.
 */
export function guardFor(conn: SshConnection): GuardedCommand | undefined {
  const state = stateOf(conn);
  if (++state.execs === startAt) startHelpers(conn, state);
  return state.guard?.guard();
}

/**
 * Starts the guard and the runner of a connection that has run a command and has neither yet, as its command
 * at `startAt` would: for the broker between runs (task-runner.ts), so that its next run finds them ready
 * rather than starting them (a warm run of 200 hosts took 1.3 s that way, and 0.4 s once they were up).
 * A connection that only carried transfers or forwarded a jump gets none.
 */
export function prepareHelpers(conn: SshConnection): void {
  const state = states.get(conn);
  if (!state || state.execs === 0 || state.guard) return;
  state.execs = Math.max(state.execs, startAt);
  startHelpers(conn, state);
}

function stateOf(conn: SshConnection): GuardState {
  let state = states.get(conn);
  if (!state) states.set(conn, (state = { execs: 0, runners: 0 }));
  return state;
}

function startHelpers(conn: SshConnection, state: GuardState): void {
  if (conn.closed) return;
  state.guard = new SessionGuard(conn);
  state.runner = new SessionRunner(conn);
  state.runners = 1;
}

/** The connection's runner (session-runner.ts), started with its guard: only guarded commands may use it. */
export function runnerOf(conn: SshConnection): SessionRunner | undefined {
  const state = states.get(conn);
  if (state?.runner?.spent && state.runners < MAX_RUNNERS && !conn.closed) {
    // This command opens a channel as before; the next ones find the new runner once it is ready.
    state.runner = new SessionRunner(conn);
    state.runners++;
  }
  return state?.runner;
}
