import type { ClientChannel } from 'ssh2';
import { AbortError, AuthError, ConnectError, TimeoutError, type FleetError } from '../core/errors.js';
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

interface OpenedChannel {
  channel: ClientChannel;
  exit: { code: number | null; signal: string | null; seen: boolean };
  /** Settles when the channel closes. */
  closed: Promise<void>;
}

/**
 * Opens the exec channel and attaches every listener inside ssh2's callback. A fast command's
 * exit-status and close can arrive in the same TCP read as the exec reply; ssh2 emits them synchronously, so
 * a listener attached after an `await` would miss them and a finished command would look like a lost link.
 */
function openChannel(
  conn: SshConnection,
  line: string,
  output: { opened(channel: ClientChannel): void; stdout(b: Buffer): void; stderr(b: Buffer): void },
): Promise<OpenedChannel> {
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
        return;
      }
      output.opened(channel);
      // Flowing from the first byte: nothing is buffered inside ssh2 to be flushed after we think we're done.
      channel.on('data', (b: Buffer) => output.stdout(b));
      channel.stderr.on('data', (b: Buffer) => output.stderr(b));
      const exit: OpenedChannel['exit'] = { code: null, signal: null, seen: false };
      channel.on('exit', (code: number | null, signalName?: string) => {
        exit.code = code;
        exit.signal = signalName ?? null;
        exit.seen = true;
      });
      // Settles once the channel and its stderr have both closed: ssh2 emits the channel's close when stdout
      // has ended, and stderr's only when stderr has — if flow control paused stderr (a slow consumer), its
      // tail is still buffered then, and resolving on the channel alone lost it. Unsubscribed from the
      // connection when done: a long-lived connection runs many commands.
      const closed = new Promise<void>((done) => {
        const unsubscribe = conn.onClose(done);
        let open = 2;
        const one = () => {
          if (--open > 0) return;
          unsubscribe();
          done();
        };
        channel.once('close', one);
        channel.stderr.once('close', one);
      });
      resolve({ channel, exit, closed });
    });
  });
}

/**
 * Runs one command. Resolves for every outcome of the command, a non-zero exit included; `error` says when it
 * was cut short. stdout and stderr are kept apart from the wire to the result.
 */
export async function runRemoteCommand(conn: SshConnection, command: string, options: ExecOptions = {}): Promise<ExecResult> {
  const started = performance.now();
  const host = conn.host;
  const remote = buildRemoteCommand(command, options);
  const limit = options.maxBufferBytes ?? 64 * 1024 * 1024;
  // Bound inside ssh2's exec callback, before any listener below can run.
  let channel: ClientChannel | undefined;
  let error: FleetError | undefined;
  let killTimer: NodeJS.Timeout | undefined;
  let giveUp: () => void = () => undefined;

  const throttled =
    (listener: ExecOptions['onStdout']) =>
    (chunk: Buffer): void => {
      const pending = listener?.(chunk);
      if (pending instanceof Promise && channel) {
        const ch = channel;
        ch.pause();
        ch.stderr.pause();
        const resume = () => {
          ch.resume();
          ch.stderr.resume();
        };
        pending.then(resume, resume);
      }
    };
  const stdout = new OutputBuffer(limit, throttled(options.onStdout));
  const stderr = new OutputBuffer(limit, throttled(options.onStderr));

  if (options.signal?.aborted) {
    error = new AbortError(`${host}: cancelled before the command started`, { host });
    return { host, exitCode: null, signal: null, stdout: stdout.value, stderr: stderr.value, truncated: false, durationMs: 0, error };
  }

  // A cancel can come while the exec request is in flight: it is kept in `error`, and the command is ended as
  // soon as its channel exists (`end`), so nothing reported as ended keeps running on the host.
  const end = (ch: ClientChannel) => {
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
  const stop = (why: FleetError) => {
    if (error) return;
    error = why;
    if (channel) end(channel);
  };
  const sendInput = () => {
    if (options.stdin !== undefined) channel?.end(options.stdin);
    else channel?.end();
  };
  const sudo = remote.sudoPrompt
    ? new SudoFilter(remote.sudoPrompt, remote.sudoMarker!, {
        onPrompt: (count) => {
          if (options.sudoPassword === undefined) {
            stop(new AuthError(`${host}: sudo wants a password and none was given; use --ask-pass or sudoPassword`, { host }));
          } else if (count > 1) {
            stop(new AuthError(`${host}: sudo refused the password; check it, or whether the user may sudo`, { host }));
          } else channel?.write(`${options.sudoPassword}\n`);
        },
        onAuthenticated: sendInput,
        stdout: (b) => stdout.push(b),
        stderr: (b) => stderr.push(b),
      })
    : undefined;

  const onAbort = () => stop(new AbortError(`${host}: cancelled; the remote command was ended`, { host }));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let opened: OpenedChannel;
  try {
    opened = await openChannel(conn, remote.line, {
      opened: (ch) => {
        channel = ch;
        if (error) end(ch);
      },
      stdout: (b) => (sudo ? sudo.stdout(b) : stdout.push(b)),
      stderr: (b) => (sudo ? sudo.stderr(b) : stderr.push(b)),
    });
  } catch (err) {
    options.signal?.removeEventListener('abort', onAbort);
    throw err;
  }
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

  await new Promise<void>((resolve) => {
    giveUp = () => {
      opened.channel.destroy();
      resolve();
    };
    void opened.closed.then(resolve);
  });

  if (timer) clearTimeout(timer);
  if (killTimer) clearTimeout(killTimer);
  options.signal?.removeEventListener('abort', onAbort);
  sudo?.flush();
  const { code: exitCode, signal: exitSignal } = opened.exit;
  if (!error && !opened.exit.seen) {
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
