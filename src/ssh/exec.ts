import type { ClientChannel } from 'ssh2';
import { AbortError, AuthError, ConnectError, TimeoutError, type FleetError } from '../errors.js';
import { sendSignal } from './channel-signal.js';
import type { SshConnection } from './connect.js';
import { OutputBuffer } from './output-buffer.js';
import { buildRemoteCommand, type RemoteCommandOptions } from './remote-command.js';
import { SudoFilter } from './sudo-filter.js';

export interface ExecOptions extends RemoteCommandOptions {
  /** Sent to the command's stdin, then EOF. Without it stdin is closed at once, so nothing waits for input. */
  stdin?: string | Buffer;
  /** The remote command is ended (TERM, then KILL and channel close) after this long. */
  timeoutMs?: number;
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
  sudo?: { user?: string };
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

/** How long a TERMed command gets before KILL and channel close. */
const KILL_GRACE_MS = 2_000;

function openChannel(conn: SshConnection, line: string): Promise<ClientChannel> {
  return new Promise((resolve, reject) => {
    conn.client.exec(line, (err, channel) => {
      if (err) {
        reject(
          conn.lost ??
            new ConnectError(`${conn.host}: could not open a session channel (${err.message})`, {
              host: conn.host,
              cause: err,
            }),
        );
      } else resolve(channel);
    });
  });
}

/**
 * Runs one command. Resolves for every outcome of the command, a non-zero exit included; `error` says when it
 * was cut short. stdout and stderr are kept apart from the wire to the result.
 */
export async function execCommand(conn: SshConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  const host = conn.host;
  const remote = buildRemoteCommand(command, options);
  const limit = options.maxBufferBytes ?? 64 * 1024 * 1024;
  let channel: ClientChannel | undefined;
  const throttled =
    (listener: ExecOptions['onStdout']) =>
    (chunk: Buffer): void => {
      const pending = listener?.(chunk);
      if (pending instanceof Promise && channel) {
        channel.pause();
        channel.stderr.pause();
        const resume = () => {
          channel?.resume();
          channel?.stderr.resume();
        };
        pending.then(resume, resume);
      }
    };
  const stdout = new OutputBuffer(limit, throttled(options.onStdout));
  const stderr = new OutputBuffer(limit, throttled(options.onStderr));
  let error: FleetError | undefined;

  if (options.signal?.aborted) {
    error = new AbortError(`${host}: cancelled before the command started`, { host });
    return { host, exitCode: null, signal: null, stdout: stdout.value, stderr: stderr.value, truncated: false, durationMs: 0, error };
  }

  const ch = await openChannel(conn, remote.line);
  channel = ch;
  let exitCode: number | null = null;
  let exitSignal: string | null = null;
  let killTimer: NodeJS.Timeout | undefined;
  let giveUp: () => void = () => undefined;

  const stop = (why: FleetError) => {
    if (error) return;
    error = why;
    sendSignal(ch, 'TERM');
    killTimer = setTimeout(() => {
      sendSignal(ch, 'KILL');
      ch.close();
      // A server that never answers our close (hung host, dead link) must not hang the run.
      killTimer = setTimeout(() => giveUp(), KILL_GRACE_MS);
      killTimer.unref();
    }, KILL_GRACE_MS);
    killTimer.unref();
  };

  const sendInput = () => {
    if (options.stdin !== undefined) ch.end(options.stdin);
    else ch.end();
  };
  const sudo = remote.sudoPrompt
    ? new SudoFilter(remote.sudoPrompt, remote.sudoMarker!, {
        onPrompt: (count) => {
          if (options.sudoPassword === undefined) {
            stop(new AuthError(`${host}: sudo wants a password and none was given; use --ask-pass or sudoPassword`, { host }));
          } else if (count > 1) {
            stop(new AuthError(`${host}: sudo refused the password; check it, or whether the user may sudo`, { host }));
          } else ch.write(`${options.sudoPassword}\n`);
        },
        onAuthenticated: sendInput,
        stdout: (b) => stdout.push(b),
        stderr: (b) => stderr.push(b),
      })
    : undefined;
  if (!sudo) sendInput();

  const timer =
    options.timeoutMs !== undefined
      ? setTimeout(
          () =>
            stop(
              new TimeoutError(`${host}: command still running after ${options.timeoutMs} ms; it was ended. Raise --timeout if it needs longer`, {
                host,
                phase: 'command',
                timeoutMs: options.timeoutMs,
              }),
            ),
          options.timeoutMs,
        )
      : undefined;
  const onAbort = () => stop(new AbortError(`${host}: cancelled; the remote command was ended`, { host }));
  options.signal?.addEventListener('abort', onAbort, { once: true });

  await new Promise<void>((resolve) => {
    giveUp = () => {
      ch.destroy();
      resolve();
    };
    ch.on('data', (b: Buffer) => (sudo ? sudo.stdout(b) : stdout.push(b)));
    ch.stderr.on('data', (b: Buffer) => (sudo ? sudo.stderr(b) : stderr.push(b)));
    ch.on('exit', (code: number | null, signalName?: string) => {
      exitCode = code;
      exitSignal = signalName ?? null;
    });
    ch.on('close', () => resolve());
    conn.client.once('close', () => resolve());
  });

  if (timer) clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  options.signal?.removeEventListener('abort', onAbort);
  sudo?.flush();
  if (!error && exitCode === null && exitSignal === null) {
    error = conn.lost ?? new ConnectError(`${host}: connection lost while the command ran`, { host, reason: 'reset' });
  }
  return {
    host,
    exitCode,
    signal: exitSignal,
    stdout: stdout.value,
    stderr: stderr.value,
    truncated: stdout.truncated || stderr.truncated,
    durationMs: Math.round(performance.now() - started),
    ...(error ? { error } : {}),
  };
}
