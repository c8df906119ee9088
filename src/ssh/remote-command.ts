import { randomBytes } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import type { ExecShared } from '../core/steps.js';
import { shellQuote } from './shell-quote.js';

export type RemoteCommandOptions = Pick<ExecShared, 'cwd' | 'env' | 'sudo'>;

export interface RemoteCommand {
  /** What is sent in the exec request. */
  line: string;
  /** Under sudo: the prompt sudo prints on stderr when it wants the password, and the line printed once it ran. */
  sudoPrompt?: string;
  sudoMarker?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** How often the remote watchdog looks for its SSH session. */
const WATCH_INTERVAL_S = 2;

/**
 * Ends the command when its SSH session is gone (a killed controller or worker, a dropped link): sshd does
 * not signal a session's processes when the client vanishes, so without this a `sleep 3600` outlives us.
 * $PPID is the sshd process of the session (same user, so `kill -0` may test it); once it is gone the
 * watchdog ends the group: TERM, then KILL. It only uses builtins but `sleep`, and when the command ends
 * first the wrapper's TERM makes it take its sleep along, so nothing is left behind. Its stdio is closed so
 * sshd never waits for it.
 */
const SESSION_WATCHDOG =
  `( trap 'kill $t 2>/dev/null; exit 0' TERM; ` +
  `while kill -0 $PPID 2>/dev/null; do sleep ${WATCH_INTERVAL_S} & t=$!; wait $t; done; ` +
  `trap '' TERM; kill -TERM 0; sleep ${WATCH_INTERVAL_S}; kill -KILL 0 ) </dev/null >/dev/null 2>&1`;

/** Rejects what cannot become a shell variable name, before any host is contacted. */
export function checkEnvNames(env: Record<string, string> | undefined): void {
  for (const name of Object.keys(env ?? {})) {
    if (!ENV_NAME.test(name)) {
      throw new ConfigError(`invalid environment variable name ${JSON.stringify(name)}: use letters, digits and _, not starting with a digit`);
    }
  }
}

/**
 * Wraps the operator's command so a timeout or cancel can end all of it. sshd delivers a `signal` channel
 * request to the session's first process only; a plain `sh -c 'a; b'` would die and leave `a` running. The
 * wrapper runs the command in the background of a shell that waits for it and, on TERM, signals its whole
 * process group (sshd made it a session leader). stdin is passed through fd 3 because a background job's stdin
 * is /dev/null otherwise. `$$` is the session's shell, as with plain ssh.
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
  // On TERM the wrapper ignores TERM itself, passes it to its group, waits and exits (without the exit, a TERM
  // that lands before the fork would let the shell go on and start the command). It must outlive a command
  // that ignores TERM: sshd delivers our later KILL to the session's process group only while the session
  // lives. The command runs in a subshell of the login shell, as plain ssh would run it: a fork, no second
  // shell to start (bash execs a subshell's last simple command directly). The newlines keep a trailing #
  // comment in the command from swallowing the closing parenthesis.
  const line =
    `exec 3<&0; trap 'trap "" TERM; kill -TERM 0; wait; exit 143' TERM; (\n${runner}\n) <&3 3<&- & c=$!; ` +
    `${SESSION_WATCHDOG} & w=$!; wait $c; s=$?; kill $w 2>/dev/null; exit $s`;
  return { line, ...(sudoPrompt ? { sudoPrompt, sudoMarker } : {}) };
}
