import { randomBytes } from 'node:crypto';
import { ConfigError } from '../errors.js';

/** Quotes a string for a POSIX shell: the only safe way to pass operator text through `sh -c`. */
export function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export interface RemoteCommandOptions {
  cwd?: string;
  /** Exported in the remote shell: sshd drops env requests unless AcceptEnv allows them, so we don't use them. */
  env?: Record<string, string>;
  sudo?: { user?: string };
}

export interface RemoteCommand {
  /** What is sent in the exec request. */
  line: string;
  /** Under sudo: the prompt sudo prints on stderr when it wants the password, and the line printed once it ran. */
  sudoPrompt?: string;
  sudoMarker?: string;
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Wraps the operator's command so a timeout or cancel can end all of it. sshd delivers a `signal` channel
 * request to the session's first process only; a plain `sh -c 'a; b'` would die and leave `a` running. The
 * wrapper runs the command in the background of a shell that waits for it and, on TERM, signals its whole
 * process group (sshd made it a session leader). stdin is passed through fd 3 because a background job's stdin
 * is /dev/null otherwise. `$$` is the session's shell, as with plain ssh.
 */
export function buildRemoteCommand(command: string, options: RemoteCommandOptions = {}): RemoteCommand {
  const prefix: string[] = [];
  for (const [name, value] of Object.entries(options.env ?? {})) {
    if (!ENV_NAME.test(name)) throw new ConfigError(`invalid environment variable name ${JSON.stringify(name)}`);
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
  // On TERM the wrapper ignores TERM itself, passes it to its group and waits. It must outlive a command that
  // ignores TERM: sshd delivers our later KILL to the session's process group only while the session lives.
  // The command runs in a subshell of the login shell, as plain ssh would run it: a fork, no second shell to
  // start (bash execs a subshell's last simple command directly). The newlines keep a trailing # comment in
  // the command from swallowing the closing parenthesis.
  const line = `exec 3<&0; trap 'trap "" TERM; kill -TERM 0; wait' TERM; (\n${runner}\n) <&3 3<&- & wait $!`;
  return { line, ...(sudoPrompt ? { sudoPrompt, sudoMarker } : {}) };
}
