import { ConfigError } from '../core/errors.js';

/** Where the queue is and how to log in to it: `nats://host:port`, `tls://user:pass@host:port`. */
export interface QueueOptions {
  url: string;
  /** A NATS credentials file (JWT + nkey seed). */
  credsFile?: string;
  token?: string;
  /** CA file for a server certificate not signed by a system CA. */
  caFile?: string;
  /** Hosts per published batch (default: hosts/16, 1 to 256). */
  batchSize?: number;
}

export function parseQueue(value: string | QueueOptions): QueueOptions {
  const o = typeof value === 'string' ? { url: value } : value;
  let url: URL;
  try {
    url = new URL(o.url);
  } catch {
    throw new ConfigError(`--queue ${o.url}: give a NATS URL such as nats://127.0.0.1:4222`);
  }
  if (!['nats:', 'tls:'].includes(url.protocol)) throw new ConfigError(`--queue ${o.url}: the scheme must be nats:// or tls://`);
  return o;
}

/**
 * Literal secrets may cross only a connection nobody else can read or join: TLS, and a server that wants
 * credentials from us (a user/password or token in the URL, a token, or a credentials file).
 */
export function isPrivateConnection(o: QueueOptions): boolean {
  const url = new URL(o.url);
  const credentials = url.username !== '' || o.credsFile !== undefined || o.token !== undefined;
  return url.protocol === 'tls:' && credentials;
}
