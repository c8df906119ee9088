import type { Duplex } from 'node:stream';
import ssh2, { type SFTPWrapper } from 'ssh2';
import { AbortError, AuthError, ConnectError, FleetError } from '../core/errors.js';
import { planAuth } from './auth.js';
import { connectOnce } from './connect-attempt.js';
import { ConnectClock, retryDropsBeforeBanner } from './connect-retry.js';
import { defaultKnownHostsFile, hostVerifierFor } from './host-key-verifier.js';
import type { SshHostOptions } from './options.js';
import { lostConnectionError } from './translate-error.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;
export { DEFAULT_KEEPALIVE_COUNT_MAX, DEFAULT_KEEPALIVE_INTERVAL_MS } from './connect-attempt.js';

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
  /** One 'close' listener on the client serves every command waiting on it (no listener per command). */
  private readonly closeWaiters = new Set<() => void>();

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

  /** The SFTP channel, opened on first use and kept for the life of the connection. */
  sftp(): Promise<SFTPWrapper> {
    this.sftpChannel ??= new Promise<SFTPWrapper>((resolve, reject) => {
      this.client.sftp((err, sftp) => {
        if (err) {
          this.sftpChannel = undefined;
          reject(
            new ConnectError(`${this.host}: the server refused an SFTP channel (${err.message}); is the sftp subsystem enabled?`, {
              host: this.host,
              cause: err,
            }),
          );
        } else {
          sftp.on('close', () => (this.sftpChannel = undefined));
          // A channel error with no listener would crash the process; the transfer in flight reports it.
          sftp.on('error', () => (this.sftpChannel = undefined));
          resolve(sftp);
        }
      });
    });
    return this.sftpChannel;
  }

  /** Ends the connection (and the jump connection under it) and waits until the socket is closed. */
  async close(): Promise<void> {
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

function forwardThrough(jump: SshConnection, target: SshHostOptions, jumpName: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) => {
      if (err) {
        reject(
          new ConnectError(
            `${target.host}: jump host ${jumpName} could not reach ${target.address}:${target.port} (${err.message}); ` +
              'check the address from the bastion and that it allows TCP forwarding',
            { host: target.host, reason: 'unreachable', cause: err },
          ),
        );
      } else resolve(stream);
    });
  });
}

/**
 * Connects and authenticates, verifying the host key under the host's policy. Resolves only when a command
 * could run; rejects with a FleetError (ConnectError, AuthError, HostKeyError, AbortError) carrying the host.
 */
export async function connect(options: SshHostOptions, signal?: AbortSignal): Promise<SshConnection> {
  const connectTimeoutMs = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  if (signal?.aborted) throw new AbortError(`${options.host}: cancelled before connecting`, { host: options.host });

  let jump: SshConnection | undefined;
  if (options.jump) {
    const jumpName = options.jump.host;
    jump = await connect({ onWarning: options.onWarning, ...options.jump }, signal).catch((err: FleetError) => {
      throw new ConnectError(`${options.host}: via jump host ${jumpName}: ${err.message}`, {
        host: options.host,
        ...err.details,
        cause: err,
      });
    });
  }

  const plan = await planAuth(options);
  if (plan.empty) {
    await jump?.close();
    throw new AuthError(
      `${options.host}: no usable credentials for ${options.user}` +
        (plan.problems.length ? ` (${plan.problems.join('; ')})` : '') +
        (options.givenOn === 'cli'
          ? '; pass -k FILE or --ask-pass, or load the key into ssh-agent (SSH_AUTH_SOCK)'
          : '; set password:, identityFile: or agent: true in the inventory'),
      { host: options.host },
    );
  }
  const hostKeys = hostVerifierFor({
    host: options.host,
    address: options.address,
    port: options.port,
    knownHostsFile: options.knownHostsFile ?? defaultKnownHostsFile(),
    policy: options.hostKeyPolicy ?? 'accept-new',
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });

  const ctx = {
    host: options.host,
    address: options.address,
    port: options.port,
    user: options.user,
    connectTimeoutMs,
    ...(options.jump ? { via: options.jump.host } : {}),
    ...(options.givenOn ? { givenOn: options.givenOn } : {}),
  };
  const clock = new ConnectClock(connectTimeoutMs);
  const where = `${options.address}:${options.port}${ctx.via ? ` (via ${ctx.via})` : ''}`;
  const aborts = signal ? { signal } : {};
  let client: ssh2.Client;
  try {
    client = await retryDropsBeforeBanner(async () => {
      // Through a jump host each attempt needs its own forwarded channel.
      const sock = jump && ctx.via ? await forwardThrough(jump, options, ctx.via) : undefined;
      return connectOnce({ options, plan, hostKeys, ctx, clock, ...(sock ? { sock } : {}), ...aborts });
    }, { host: options.host, where, clock, ...aborts });
  } catch (err) {
    await jump?.close();
    throw err;
  }
  return new SshConnection(options.host, client, jump);
}
