import type { ClientChannel } from 'ssh2';
import type { FleetError } from '../core/errors.js';
import type { ExecOptions } from './exec.js';
import type { ChannelOutput } from './exec-channel.js';
import { sudoNeedsPassword, sudoRefusedPassword } from './error-builders.js';
import { OutputBuffer } from './output-buffer.js';
import type { RemoteCommand } from './remote-command.js';
import { SudoFilter } from './sudo-filter.js';

type Listener = ExecOptions['onStdout'];

export type CommandIoOptions = Pick<ExecOptions, 'stdin' | 'onStdout' | 'onStderr' | 'maxBufferBytes' | 'sudoPassword'>;

export interface CommandIo extends ChannelOutput {
  /** The channel is open: stdin goes now, or under sudo once sudo is past its password. */
  started(): void;
  /** Once the channel closed: what was kept of each stream. */
  finish(): { stdout: Buffer; stderr: Buffer; truncated: boolean };
}

/**
 * Passes output on; a listener's returned promise pauses reading from the host until it settles, so the SSH
 * window stops the remote writer and a chatty host is slowed down instead of filling memory.
 */
function throttled(listener: Listener, channelOf: () => ClientChannel | undefined): (chunk: Buffer) => void {
  return (chunk) => {
    const pending = listener?.(chunk);
    const ch = channelOf();
    if (pending instanceof Promise && ch) {
      ch.pause();
      ch.stderr.pause();
      const resume = () => {
        ch.resume();
        ch.stderr.resume();
      };
      pending.then(resume, resume);
    }
  };
}

/**
 * A command's streams: output kept up to a limit and passed on as it arrives (with sudo's prompt and marker
 * removed), stdin sent and closed, sudo's password answered once. `stop` is how a refused sudo ends it.
 */
export function commandIo(host: string, remote: RemoteCommand, options: CommandIoOptions, stop: (why: FleetError) => void): CommandIo {
  const limit = options.maxBufferBytes ?? 64 * 1024 * 1024;
  // Bound inside ssh2's exec callback, before any listener below can run.
  let channel: ClientChannel | undefined;
  const stdout = new OutputBuffer(limit, throttled(options.onStdout, () => channel));
  const stderr = new OutputBuffer(limit, throttled(options.onStderr, () => channel));
  const sendInput = () => {
    if (options.stdin !== undefined) channel?.end(options.stdin);
    // The lifeline stays open: its EOF would tell the watchdog that the session is gone.
    else if (!remote.lifeline) channel?.end();
  };
  const sudo = remote.sudoPrompt
    ? new SudoFilter(remote.sudoPrompt, remote.sudoMarker!, {
        onPrompt: (count) => {
          if (options.sudoPassword === undefined) stop(sudoNeedsPassword(host));
          else if (count > 1) stop(sudoRefusedPassword(host));
          else channel?.write(`${options.sudoPassword}\n`);
        },
        onAuthenticated: sendInput,
        stdout: (b) => stdout.push(b),
        stderr: (b) => stderr.push(b),
      })
    : undefined;
  return {
    opened: (ch) => (channel = ch),
    stdout: (b) => (sudo ? sudo.stdout(b) : stdout.push(b)),
    stderr: (b) => (sudo ? sudo.stderr(b) : stderr.push(b)),
    started: () => {
      if (!sudo) sendInput();
    },
    finish: () => {
      sudo?.flush();
      return { stdout: stdout.value, stderr: stderr.value, truncated: stdout.truncated || stderr.truncated };
    },
  };
}
