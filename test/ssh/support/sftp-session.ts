import type ssh2 from 'ssh2';
import type { SFTPWrapper } from 'ssh2';
import { connect } from '../../../src/ssh/connect.js';
import type { BenchHost } from '../../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './target.js';

/** A fleet SSH connection to a bench host and its SFTP channel, for the SFTP layer's tests. */
export interface SftpSession {
  client: ssh2.Client;
  sftp: SFTPWrapper;
  /** Errors the connection or channel emitted (a killed connection is expected to emit some). */
  errors: Error[];
  /** Opens one more SFTP channel on the connection (PutOptions.openChannel). */
  extra(): Promise<SFTPWrapper>;
  close(): Promise<void>;
}

export async function openSftp(host: BenchHost): Promise<SftpSession> {
  const conn = await connect(optionsFor(host, tempKnownHosts(), { password: host.password }));
  const errors: Error[] = [];
  conn.client.on('error', (err) => errors.push(err));
  const sftp = await conn.sftp();
  sftp.on('error', (e: Error) => errors.push(e));
  return { client: conn.client, sftp, errors, extra: () => conn.extraSftp(), close: () => conn.close() };
}

/** sha256 of a file on the host, read from outside SSH (the test's view of the truth); undefined if absent. */
export async function remoteSha256(host: BenchHost, path: string): Promise<string | undefined> {
  const r = await host.exec(`sha256sum '${path.replace(/'/g, `'\\''`)}' 2>/dev/null`);
  return r.exitCode === 0 ? r.stdout.split(/\s+/)[0] : undefined;
}
