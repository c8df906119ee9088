import { AbortError, AuthError, CommandError, ConnectError, TimeoutError, type FleetError } from '../core/errors.js';

/**
 * The wording of the errors ssh/ raises itself (what ssh2 throws is translated in translate-error.ts): kept
 * apart from the code that drives the sockets, so each message and its fix reads in one place.
 */

export const cancelledBeforeConnecting = (host: string): AbortError => new AbortError(`${host}: cancelled before connecting`, { host });

export const cancelledWhileConnecting = (host: string): AbortError => new AbortError(`${host}: cancelled while connecting`, { host });

export const closedDuringLogin = (host: string): ConnectError =>
  new ConnectError(`${host}: connection closed during login`, { host, reason: 'closed' });

/** An authentication failure with what was tried and, for the command line, the flags that change it. */
export function authFailedAfterTrying(host: string, failed: FleetError, tried: readonly string[], problems: readonly string[], givenOn: 'cli' | 'inventory' | undefined, cause: unknown): AuthError {
  const detail = [`tried ${tried.join(', ') || 'nothing'}`, ...problems].join('; ');
  const hint = givenOn === 'cli' ? ' — on the command line: -u USER, -k FILE, --ask-pass' : '';
  return new AuthError(`${failed.message} [${detail}]${hint}`, { host, cause });
}

export function noCredentials(host: string, user: string, problems: readonly string[], givenOn: 'cli' | 'inventory' | undefined): AuthError {
  return new AuthError(
    `${host}: no usable credentials for ${user}` +
      (problems.length ? ` (${problems.join('; ')})` : '') +
      (givenOn === 'cli'
        ? '; pass -k FILE or --ask-pass, or load the key into ssh-agent (SSH_AUTH_SOCK)'
        : '; set password:, identityFile: or agent: true in the inventory'),
    { host },
  );
}

/** The jump host's own failure, told as the target's: the target is what the operator asked for. */
export function viaJumpHost(host: string, jumpName: string, err: FleetError): ConnectError {
  return new ConnectError(`${host}: via jump host ${jumpName}: ${err.message}`, { host, ...err.details, cause: err });
}

export function jumpCannotForward(target: { host: string; address: string; port: number }, jumpName: string, err: Error): ConnectError {
  return new ConnectError(
    `${target.host}: jump host ${jumpName} could not reach ${target.address}:${target.port} (${err.message}); ` +
      'check the address from the bastion and that it allows TCP forwarding',
    { host: target.host, reason: 'unreachable', cause: err },
  );
}

export const sftpRefused = (host: string, err: Error): ConnectError =>
  new ConnectError(`${host}: the server refused an SFTP channel (${err.message}); is the sftp subsystem enabled?`, { host, cause: err });

export const sessionChannelRefused = (host: string, err: Error): ConnectError =>
  new ConnectError(`${host}: could not open a session channel (${err.message})`, { host, cause: err });

export const cancelledBeforeCommand = (host: string): AbortError => new AbortError(`${host}: cancelled before the command started`, { host });

export const commandCancelled = (host: string): AbortError => new AbortError(`${host}: cancelled; the remote command was ended`, { host });

export const commandTimedOut = (host: string, timeoutMs: number): TimeoutError =>
  new TimeoutError(`${host}: command still running after ${timeoutMs} ms; it was ended. Raise --timeout if it needs longer`, {
    host,
    phase: 'command',
    timeoutMs,
  });

export const lostWhileRunning = (host: string): ConnectError =>
  new ConnectError(`${host}: connection lost while the command ran`, { host, reason: 'reset' });

/** The runner (session-runner.ts) ended under its command; the host is still there, the status is lost. */
export const runnerEndedWhileRunning = (host: string, how: string): CommandError =>
  new CommandError(
    `${host}: fleet's runner shell on the host ${how} while it ran this command, so the command's exit status is unknown; ` +
      'it may have finished — check the host before running it again',
    { host },
  );

export const sudoNeedsPassword = (host: string): AuthError =>
  new AuthError(`${host}: sudo wants a password and none was given; use --ask-pass or sudoPassword`, { host });

export const sudoRefusedPassword = (host: string): AuthError =>
  new AuthError(`${host}: sudo refused the password; check it, or whether the user may sudo`, { host });
