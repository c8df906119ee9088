import type { ClientChannel } from 'ssh2';
import type { FleetError } from '../core/errors.js';
import type { ExecShared } from '../core/steps.js';
import { commandIo } from './command-io.js';
import { CommandEnding } from './command-ending.js';
import type { SshConnection } from './connect.js';
import { cancelledBeforeCommand, commandCancelled } from './error-builders.js';
import { openCancellable } from './exec-channel.js';
import { buildRemoteCommand, type RemoteCommandOptions } from './remote-command.js';
import { guardFor, runnerOf } from './session-guard.js';
import { runnerExit } from './session-runner.js';

export interface ExecOptions extends RemoteCommandOptions, Pick<ExecShared, 'timeoutMs'> {
  /** Sent to the command's stdin, then EOF. Without it stdin is closed at once, so nothing waits for input. */
  stdin?: string | Buffer;
  signal?: AbortSignal;
  /**
   * Called with output as it arrives (after sudo's prompt and marker are removed). A returned promise pauses
   * reading from the host until it settles: the SSH window then stops the remote writer, so a chatty host is
   * slowed down instead of filling memory.
   */
  onStdout?: (chunk: Buffer) => void | Promise<void>;
  onStderr?: (chunk: Buffer) => void | Promise<void>;
  /** Keep at most this many bytes of each stream in the result; the rest is only streamed. Default 64 MiB. */
  maxBufferBytes?: number;
  sudoPassword?: string;
}

export interface ExecResult {
  host: string;
  exitCode: number | null;
  signal: string | null;
  stdout: Buffer;
  stderr: Buffer;
  /** True when a stream passed maxBufferBytes and the result holds only its beginning. */
  truncated: boolean;
  durationMs: number;
  /** Set when the command did not run to its end: timeout, cancel, connection lost, sudo refused. */
  error?: FleetError;
}

/**
 * Runs one command. Resolves for every outcome of the command, a non-zero exit included; `error` says when it
 * was cut short. stdout and stderr are kept apart from the wire to the result. A refused session channel is
 * asked for again (SshConnection.openRetrying): the command had not started.
 */
export function runRemoteCommand(conn: SshConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  return conn.openRetrying(() => runOnce(conn, command, options));
}

async function runOnce(conn: SshConnection, command: string, options: ExecOptions): Promise<ExecResult> {
  const started = performance.now();
  const host = conn.host;
  const withStdin = options.stdin !== undefined;
  const guard = withStdin || options.sudo ? undefined : guardFor(conn);
  const remote = buildRemoteCommand(command, { ...options, withStdin, ...(guard ? { guardMark: guard.mark } : {}) });
  if (options.signal?.aborted) {
    const empty = Buffer.alloc(0);
    return { host, exitCode: null, signal: null, stdout: empty, stderr: empty, truncated: false, durationMs: 0, error: cancelledBeforeCommand(host) };
  }
  const ending = new CommandEnding(remote.lifeline, remote.guarded ? guard : undefined);
  const io = commandIo(host, remote, options, (why) => ending.stop(why));
  const output = {
    ...io,
    opened: (ch: ClientChannel) => {
      io.opened(ch);
      ending.attach(ch);
    },
  };
  const runner = remote.guarded ? runnerOf(conn) : undefined;
  const { opened, detach } = await openCancellable(conn, remote.line, output, options.signal, () => ending.stop(commandCancelled(host)), runner);
  io.started();
  ending.armTimeout(host, options.timeoutMs);
  await ending.settled(opened);
  detach();
  const streams = io.finish();
  const error = ending.outcome(conn, opened);
  const exit = opened.viaRunner ? runnerExit(opened.exit, error !== undefined) : opened.exit;
  return {
    host,
    exitCode: exit.code,
    signal: exit.signal,
    ...streams,
    durationMs: Math.round(performance.now() - started),
    ...(error ? { error } : {}),
  };
}
