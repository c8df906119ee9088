import type ssh2 from 'ssh2';
import type { ClientSFTPCallback, SFTPWrapper } from 'ssh2';
import { ConnectError, type FleetError } from '../core/errors.js';
import { sftpRefused } from './error-builders.js';
import { lostConnectionError } from './translate-error.js';

declare module 'ssh2' {
  interface Client {
    /** `options.window`: the channel's receive window in bytes. Added by patches/ssh2+1.17.0.patch. */
    sftp(env: Record<string, string> | undefined, options: { window?: number }, callback: ClientSFTPCallback): this;
  }
}

/**
 * The SFTP channel's receive window. A download has at most this much in flight whatever its own window
 * (sftp/window.ts): ssh2's 2 MiB is 25 MiB/s over an 80 ms round trip, where scp went faster (issue 17). The
 * server sends only what read requests ask for, so a larger promise costs nothing next to the host.
 */
export const SFTP_CHANNEL_WINDOW = 16 * 1024 * 1024;

/** Waits before asking again for a refused channel (openRetrying). */
const REFUSED_RETRY_MS = [0, 100];

/**
 * One authenticated SSH connection to one host. Commands and transfers share it, as paramiko's Transport is
 * shared by SSHClient and SFTPClient; the SFTP channel is opened on first use only.
 */
export class SshConnection {
  readonly host: string;
  readonly client: ssh2.Client;
  private readonly jump: SshConnection | undefined;
  private sftpChannel: Promise<SFTPWrapper> | undefined;
  private lostError: FleetError | undefined;
  private isClosed = false;
  private closing: Promise<void> | undefined;
  /** One 'close' listener on the client serves every command waiting on it (no listener per command). */
  private readonly closeWaiters = new Set<() => void>();
  private spares: (() => Promise<void>)[] = [];

  constructor(host: string, client: ssh2.Client, jump?: SshConnection) {
    this.host = host;
    this.client = client;
    this.jump = jump;
    client.on('close', () => {
      this.isClosed = true;
      this.sftpChannel = undefined;
      for (const waiter of this.closeWaiters) waiter();
      this.closeWaiters.clear();
    });
    // After login, a failure means the link died (keepalive expiry, reset), not that connecting failed.
    client.on('error', (err) => {
      this.lostError ??= lostConnectionError(host, err);
    });
  }

  get closed(): boolean {
    return this.isClosed;
  }

  /** Why the connection died after it was ready, if it did. */
  get lost(): FleetError | undefined {
    return this.lostError;
  }

  /** Calls `listener` when the connection closes (at once if it is closed); returns the way to unsubscribe. */
  onClose(listener: () => void): () => void {
    if (this.isClosed) {
      listener();
      return () => undefined;
    }
    this.closeWaiters.add(listener);
    return () => this.closeWaiters.delete(listener);
  }

  /** Something of fleet's own holding a channel (the session guard, its runner) that gives it back when asked. */
  holdSpareChannel(release: () => Promise<void>): void {
    this.spares.push(release);
  }

  /**
   * Runs `open` (a command's or the SFTP channel's) and asks again when the server refused the channel: a
   * low MaxSessions still counts a channel just closed (its CLOSE crosses our open) or the session guard's,
   * which is given back first. Again a round trip later, then a moment later; then the refusal is the answer.
   */
  async openRetrying<T>(open: () => Promise<T>): Promise<T> {
    for (const waitMs of REFUSED_RETRY_MS) {
      try {
        return await open();
      } catch (err) {
        if (!(err instanceof ConnectError) || this.isClosed || this.lostError) throw err;
        await this.releaseSpareChannel();
        await new Promise((resolve) => setTimeout(resolve, waitMs));
      }
    }
    return open();
  }

  private async releaseSpareChannel(): Promise<void> {
    const spares = this.spares;
    this.spares = [];
    if (!this.isClosed) await Promise.all(spares.map((release) => release()));
  }

  /** The SFTP channel, opened on first use and kept for the life of the connection. */
  sftp(): Promise<SFTPWrapper> {
    const opening = (this.sftpChannel ??= this.openRetrying(() => this.openSftp())
      .catch((err: Error) => {
        if (this.sftpChannel === opening) this.sftpChannel = undefined;
        throw err;
      }));
    return opening;
  }

  /**
   * One more SFTP channel, for the caller to end: a put writes a big file over two on a long link (sftp/
   * write-lanes.ts). Not asked again when refused: the put goes on over the kept channel.
   */
  extraSftp(): Promise<SFTPWrapper> {
    return this.openSftp(false);
  }

  private openSftp(kept = true): Promise<SFTPWrapper> {
    return new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp(undefined, { window: SFTP_CHANNEL_WINDOW }, (err, sftp) => {
        if (err) {
          reject(sftpRefused(this.host, err));
        } else {
          const forget = () => {
            if (kept) this.sftpChannel = undefined;
          };
          sftp.on('close', forget);
          // A channel error with no listener would crash the process; the transfer in flight reports it.
          sftp.on('error', forget);
          resolve(sftp);
        }
      });
    });
  }

  /** Ends the connection (and the jump connection under it) and waits until the socket is closed. */
  close(): Promise<void> {
    // Held sessions can be closed from several places at once (idle timer, bound, shutdown): one logout.
    this.closing ??= this.end();
    return this.closing;
  }

  private async end(): Promise<void> {
    if (!this.isClosed) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.client.destroy();
          resolve();
        }, 2_000);
        timer.unref();
        this.client.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        this.client.end();
      });
    }
    await this.jump?.close();
  }
}
