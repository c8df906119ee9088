import { randomBytes } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import type { ExecShared } from '../core/steps.js';
import { shellQuote } from './shell-quote.js';

export type RemoteCommandOptions = Pick<ExecShared, 'cwd' | 'env' | 'sudo'> & {
  /** Bytes will be sent to the command's stdin (ExecOptions.stdin): the channel's input is the command's. */
  withStdin?: boolean;
  /** The connection's guard ends this command if the connection goes (session-guard.ts): its mark. */
  guardMark?: string;
};

export interface RemoteCommand {
  /** What is sent in the exec request. */
  line: string;
  /** Under sudo: the prompt sudo prints on stderr when it wants the password, and the line printed once it ran. */
  sudoPrompt?: string;
  sudoMarker?: string;
  /**
   * The channel's input is the watchdog's lifeline, not the command's (which reads /dev/null): the client
   * leaves it open while the command runs and ends it to stop the command (sshd closes it when the session
   * goes); either EOF ends the command's process group, TERM then KILL.
   */
  lifeline?: boolean;
  /** The line carries `guardMark`: the session guard, not a watchdog, ends it (session-guard.ts). */
  guarded?: boolean;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How long the watchdog waits between TERM and KILL of the group, and how often the polling one looks. */
const WATCH_INTERVAL_S = 2;

/**
 * Ends the command when its SSH session is gone (a killed controller or worker, a dropped link): sshd does
 * not signal a session's processes when the client vanishes, so without this a `sleep 3600` outlives us.
 * Its stdio is closed (but for the lifeline it reads) so sshd never waits for it; the group is ended TERM,
 * then KILL, and it ignores TERM itself meanwhile. The wrapper's TERM ends it when the command ends first.
 */
const endGroup = `trap '' TERM; kill -TERM 0; sleep ${WATCH_INTERVAL_S}; kill -KILL 0`;

/**
 * The watchdog of a command that gets no input (most of them): the channel's input, which the client never
 * closes but to stop the command, is its lifeline. `read` returns only when that input ends — the client
 * stopping the command, or sshd closing it because the session is gone. One fork, no exec, and nothing runs
 * until then. (Not the wrapper itself reading with a signal from the command's end: a signal landing between
 * bash's check for traps and its read(2) is lost, which hung ~1 exec in 250.)
 */
const LIFELINE_WATCHDOG = `( read -r _; ${endGroup} ) <&3 >/dev/null 2>&1 3<&-`;

/**
 * The watchdog when the channel's input is the command's: it looks every few seconds for the session's
 * sshd ($PPID, same user, so `kill -0` may test it), using only builtins but `sleep`; the wrapper's TERM
 * makes it take its sleep along.
 */
const POLLING_WATCHDOG =
  `( trap 'kill $t 2>/dev/null; exit 0' TERM; ` +
  `while kill -0 $PPID 2>/dev/null; do sleep ${WATCH_INTERVAL_S} & t=$!; wait $t; done; ` +
  `${endGroup} ) </dev/null >/dev/null 2>&1`;

/** Rejects what cannot become a shell variable name, before any host is contacted. */
export function checkEnvNames(env: Record<string, string> | undefined): void {
  for (const name of Object.keys(env ?? {})) {
    if (!ENV_NAME.test(name)) {
      throw new ConfigError(`invalid environment variable name ${JSON.stringify(name)}: use letters, digits and _, not starting with a digit`);
    }
  }
}

/**
 * Wraps the operator's command so a timeout, a cancel or a lost session ends all of it, not only the session's
 * first process (a plain `sh -c 'a; b'` would leave `a` running). `$$` is the session's shell, as with plain
 * ssh.
 */
export function buildRemoteCommand(command: string, options: RemoteCommandOptions = {}): RemoteCommand {
  const prefix: string[] = [];
  checkEnvNames(options.env);
  for (const [name, value] of Object.entries(options.env ?? {})) {
    prefix.push(`export ${name}=${shellQuote(value)};`);
  }
  if (options.cwd !== undefined) prefix.push(`cd ${shellQuote(options.cwd)} &&`);
  const inner = [...prefix, command].join(' ');

  let runner: string;
  let sudoPrompt: string | undefined;
  let sudoMarker: string | undefined;
  if (options.sudo) {
    const tag = randomBytes(8).toString('hex');
    sudoPrompt = `[fleet-sudo-${tag}] password: `;
    sudoMarker = `FLEET-SUDO-OK-${tag}`;
    const asUser = options.sudo.user ? ` -u ${shellQuote(options.sudo.user)}` : '';
    // -S reads the password from stdin; the marker line tells us sudo is past authentication, so we know when
    // stdin belongs to the command and never send the password to it.
    runner =
      `sudo -S -p ${shellQuote(sudoPrompt)}${asUser} -- "\${SHELL:-/bin/sh}" -c ` +
      shellQuote(`echo ${sudoMarker}; ${inner}`);
  } else {
    runner = inner;
  }
  // Under sudo the input carries the password, and with stdin it is the command's: neither can be the lifeline.
  const lifeline = !options.sudo && !options.withStdin;
  if (lifeline && options.guardMark !== undefined && !REPLACES_SHELL.test(command)) {
    return { line: guardedLine(options.guardMark, runner), guarded: true };
  }
  const line = lifeline ? lifelineLine(runner) : signalledLine(runner);
  return { line, ...(sudoPrompt ? { sudoPrompt, sudoMarker } : {}), ...(lifeline ? { lifeline } : {}) };
}

/** A command that may `exec` away its login shell, and the guard's mark with it: it keeps its watchdog. */
const REPLACES_SHELL = /\bexec\b/;

/**
 * A command on a guarded connection: its login shell carries the mark the guard looks for. The EXIT trap
 * keeps bash from exec-ing the line's last command in place of the shell (it does without a trap), which
 * would drop the mark; it changes neither `$$` nor the exit status.
 */
function guardedLine(mark: string, runner: string): string {
  return `: ${mark}; trap : EXIT\n${runner}\n`;
}

/**
 * A command without input runs in the login shell itself, as plain ssh would run it: no subshell to fork, so
 * the watchdog is the one process fleet adds. It is stopped by ending its input (command-ending.ts), so no
 * signal has to reach a shell that waits for a foreground command (bash runs traps only after it). The EXIT
 * trap ends the watchdog however the command leaves the shell (`exit`, `set -e`), so what the command put in
 * the background outlives it, as with plain ssh. The watchdog must not be a job of that shell, or the
 * command's own bare `wait` would wait for it forever: bash disowns it; other shells start it from a
 * command substitution (a fork more; the space keeps `$( (` from reading as arithmetic). The newline keeps a trailing # comment in the command from
 * swallowing what follows.
 */
function lifelineLine(runner: string): string {
  const start =
    `if [ -n "\${BASH_VERSION-}" ]; then ${LIFELINE_WATCHDOG} & __fleet_w=$!; disown $__fleet_w; ` +
    `else __fleet_w=$( ${LIFELINE_WATCHDOG} & echo $!); fi`;
  return `exec 3<&0 </dev/null; ${start}; exec 3<&-; trap 'kill $__fleet_w 2>/dev/null' EXIT\n${runner}\n`;
}

/**
 * A command that reads the channel's input (stdin, sudo's password) is stopped by signals instead. sshd
 * delivers a `signal` request to the session's first process only, so the command runs in the background of
 * a shell that waits for it and, on TERM, ignores TERM itself, passes it to its process group (sshd made it a
 * session leader), waits and exits (without the exit, a TERM that lands before the fork would let the shell
 * go on and start the command). It must outlive a command that ignores TERM: sshd delivers our later KILL to
 * the session's process group only while the session lives. The command runs in a subshell of the login
 * shell (bash execs a subshell's last simple command directly); its stdin is passed through fd 3, since a
 * background job's stdin is /dev/null otherwise.
 */
function signalledLine(runner: string): string {
  return (
    `exec 3<&0; trap 'trap "" TERM; kill -TERM 0; wait; exit 143' TERM; (\n${runner}\n) <&3 3<&- & c=$!; ` +
    `${POLLING_WATCHDOG} & w=$!; wait $c; s=$?; kill $w 2>/dev/null; exit $s`
  );
}
