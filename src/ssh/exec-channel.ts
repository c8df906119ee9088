import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './connect.js';
import { sessionChannelRefused } from './error-builders.js';
import type { SessionRunner } from './session-runner.js';

export interface OpenedChannel {
  channel: ClientChannel;
  exit: { code: number | null; signal: string | null; seen: boolean };
  /** Settles when the channel and its stderr have closed, or the connection has. */
  closed: Promise<void>;
  /** The command ran on the connection's runner (session-runner.ts): its status is a shell's, 128+N for signal N. */
  viaRunner?: boolean;
  /**
   * How the runner's shell ended under the command while the connection stayed up (`was killed by SIGKILL`):
   * the command got no end, and its exit status is unknown. Unset otherwise.
   */
  runnerEnded?: string;
}

export interface ChannelOutput {
  /** Called inside ssh2's callback, before any data listener exists. */
  opened(channel: ClientChannel): void;
  stdout(b: Buffer): void;
  stderr(b: Buffer): void;
}

/**
 * Settles once the channel and its stderr have both closed: ssh2 emits the channel's close when stdout has
 * ended, and stderr's only when stderr has — if flow control paused stderr (a slow consumer), its tail is
 * still buffered then, and resolving on the channel alone lost it. Unsubscribed from the connection when
 * done: a long-lived connection runs many commands.
 */
function bothClosed(conn: SshConnection, channel: ClientChannel): Promise<void> {
  return new Promise<void>((done) => {
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
}

/**
 * Opens the exec channel and attaches every listener inside ssh2's callback. A fast command's
 * exit-status and close can arrive in the same TCP read as the exec reply; ssh2 emits them synchronously, so
 * a listener attached after an `await` would miss them and a finished command would look like a lost link.
 */
export function openChannel(conn: SshConnection, line: string, output: ChannelOutput): Promise<OpenedChannel> {
  return new Promise((resolve, reject) => {
    conn.client.exec(line, (err, channel) => {
      if (err) {
        reject(conn.lost ?? sessionChannelRefused(conn.host, err));
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
      resolve({ channel, exit, closed: bothClosed(conn, channel) });
    });
  });
}

/**
 * openChannel with the cancel wired up first: the listener is attached before the exec request goes out, so
 * a cancel while it is in flight is not missed (the caller's `onAbort` ends the command once it exists).
 * Returns the way to detach it, which the caller does once the command has ended. With a `runner` that is
 * ready and idle, the line runs there instead of on a channel of its own.
 */
export async function openCancellable(
  conn: SshConnection,
  line: string,
  output: ChannelOutput,
  signal: AbortSignal | undefined,
  onAbort: () => void,
  runner?: SessionRunner,
): Promise<{ opened: OpenedChannel; detach(): void }> {
  signal?.addEventListener('abort', onAbort, { once: true });
  const detach = () => signal?.removeEventListener('abort', onAbort);
  try {
    return { opened: runner?.run(line, output) ?? (await openChannel(conn, line, output)), detach };
  } catch (err) {
    detach();
    throw err;
  }
}
