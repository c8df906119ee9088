import { readFileSync } from 'node:fs';
import { connect, credsAuthenticator, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { AckPolicy, jetstreamManager, RetentionPolicy, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { ConfigError } from '../core/errors.js';
import type { QueueOptions } from './queue-url.js';

export const STREAM = 'FLEET_BATCHES';
export const CLAIMS = 'fleet-claims';
/** Each host's end, acknowledged by the server (results.ts): `fleet.result.<run>`. */
export const RESULTS = 'FLEET_RESULTS';
export const resultSubject = (runId: string): string => `fleet.result.${runId}`;
export const batchSubject = (zone: string): string => `fleet.batch.${zone}`;
export const runSubject = (runId: string, what: string): string => `fleet.run.${runId}.${what}`;
export const HEARTBEATS = 'fleet.agent.hb';
/** An agent not heard from for this long is gone: its claimed hosts are WORKER_CRASH. */
export const LIVENESS_MS = 3_000;
export const HEARTBEAT_MS = 500;
/** A batch unacknowledged this long goes to another agent (agents say they are working every second). */
const ACK_WAIT_NS = 4_000_000_000;

/** KV keys allow [-/_=.a-zA-Z0-9]: host names are encoded. */
export const claimKey = (runId: string, host: string): string => `${runId}.${Buffer.from(host).toString('base64url')}`;
export const hostOfClaim = (key: string): string => Buffer.from(key.slice(key.indexOf('.') + 1), 'base64url').toString();



export async function openQueue(o: QueueOptions): Promise<NatsConnection> {
  const url = new URL(o.url);
  const options: NodeConnectionOptions = {
    servers: `${url.hostname}:${url.port || 4222}`,
    name: 'fleet',
    // A server restarting is back within seconds: tried every 250 ms for 15 s, so a run survives it.
    maxReconnectAttempts: 60,
    reconnectTimeWait: 250,
    ...(url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : {}),
    ...(o.token !== undefined ? { token: o.token } : {}),
    ...(url.protocol === 'tls:' ? { tls: o.caFile ? { caFile: o.caFile } : {} } : {}),
  };
  if (o.credsFile !== undefined) {
    options.authenticator = credsAuthenticator(readFileSync(o.credsFile));
  }
  try {
    return await connect(options);
  } catch (err) {
    throw new ConfigError(`queue ${o.url}: cannot connect (${(err as Error).message}) — is nats-server -js running there?`);
  }
}

/** The streams, one work-queue consumer per zone, and the claims bucket: created when missing. */
export async function ensureQueue(nc: NatsConnection, zones: readonly string[]): Promise<{ jsm: JetStreamManager; claims: KV }> {
  const jsm = await jetstreamManager(nc);
  try {
    await jsm.streams.info(STREAM);
  } catch {
    await jsm.streams.add({ name: STREAM, subjects: ['fleet.batch.>'], retention: RetentionPolicy.Workqueue, storage: StorageType.File });
  }
  try {
    await jsm.streams.info(RESULTS);
  } catch {
    // Purged run by run by the submitter; max_age drops what a submitter that died left behind.
    await jsm.streams.add({ name: RESULTS, subjects: ['fleet.result.>'], retention: RetentionPolicy.Limits, storage: StorageType.File, max_age: 24 * 3600 * 1e9 });
  }
  for (const zone of zones) {
    await jsm.consumers.add(STREAM, {
      durable_name: consumerOf(zone),
      filter_subject: batchSubject(zone),
      ack_policy: AckPolicy.Explicit,
      ack_wait: ACK_WAIT_NS,
      max_deliver: -1,
    });
  }
  const claims = await new Kvm(nc).create(CLAIMS, { history: 1, storage: StorageType.File, ttl: 24 * 3600_000 });
  return { jsm, claims };
}

export const consumerOf = (zone: string): string => `agents-${zone}`;
