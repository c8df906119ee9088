import type { ClientChannel } from 'ssh2';
import type { FleetError } from '../core/errors.js';
import { sendSignal } from './channel-signal.js';
import type { SshConnection } from './connect.js';
import { commandTimedOut, lostWhileRunning, runnerEndedWhileRunning } from './error-builders.js';
import type { GuardedCommand } from './session-guard.js';
import type { OpenedChannel } from './exec-channel.js';

/** How long a TERMed command gets before KILL and channel close. */
const KILL_GRACE_MS = 2_000;

/**
 * How one command ends early, and why. The first reason to stop (timeout, cancel, sudo refused) wins and is
 * kept in `error`. A stop can come while the exec request is in flight: the command is then ended as soon as
 * its channel exists (`attach`), so nothing reported as ended keeps running on the host.
 */
export class CommandEnding {
  error: FleetError | undefined;
  private channel: ClientChannel | undefined;
  private killTimer: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private giveUp: () => void = () => undefined;

  /**
   * `lifeline`: the command is stopped by ending the channel's input (remote-command.ts), not by signals;
   * `guard`: signals go through the connection's guard (session-guard.ts), or as `signal` requests if it is gone.
   */
  constructor(
    private readonly lifeline = false,
    private readonly guard?: GuardedCommand,
  ) {}

  attach(channel: ClientChannel): void {
    this.channel = channel;
    if (this.error) this.end(channel);
  }

  stop(why: FleetError): void {
    if (this.error) return;
    this.error = why;
    if (this.channel) this.end(this.channel);
  }

  /** Stops the command with a TimeoutError after `timeoutMs`, if given. */
  armTimeout(host: string, timeoutMs: number | undefined): void {
    if (timeoutMs === undefined) return;
    this.timer = setTimeout(() => this.stop(commandTimedOut(host, timeoutMs)), timeoutMs);
  }

  /** Waits until the channel has closed (see exec-channel.ts), or until a stopped command's server never answered. */
  async settled(opened: OpenedChannel): Promise<void> {
    await new Promise<void>((resolve) => {
      this.giveUp = () => {
        opened.channel.destroy();
        resolve();
      };
      void opened.closed.then(resolve);
    });
    clearTimeout(this.timer);
    clearTimeout(this.killTimer);
  }

  /**
   * Why the command did not run to its end, if it did not: a channel that closed without an exit status lost
   * its link, or, on the runner, the runner's shell.
   */
  outcome(conn: SshConnection, opened: OpenedChannel): FleetError | undefined {
    if (!this.error && !opened.exit.seen) {
      const ended = opened.runnerEnded;
      this.error = conn.lost ?? (ended ? runnerEndedWhileRunning(conn.host, ended) : lostWhileRunning(conn.host));
    }
    return this.error;
  }

  private end(ch: ClientChannel): void {
    // The watchdog then ends the command's whole process group, TERM, then KILL 2 s later; the timer below
    // is only the backstop for a host that does not answer.
    if (this.lifeline) ch.end();
    else if (!this.guard?.signal('TERM')) sendSignal(ch, 'TERM');
    this.killTimer = setTimeout(() => {
      this.guard?.signal('KILL');
      sendSignal(ch, 'KILL');
      ch.close();
      // A server that never answers our close (hung host, dead link) must not hang the run.
      this.killTimer = setTimeout(() => this.giveUp(), KILL_GRACE_MS);
      this.killTimer.unref();
    }, KILL_GRACE_MS);
    this.killTimer.unref();
  }
}
