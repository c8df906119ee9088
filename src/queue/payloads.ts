import { createReadStream, createWriteStream } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, stat, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NatsConnection } from '@nats-io/transport-node';
import { Objm, StorageType, type ObjectStore } from '@nats-io/obj';
import { ConfigError } from '../core/errors.js';
import type { Step } from '../core/steps.js';

export const PAYLOADS = 'fleet-payloads';

/** One local file of a put, as stored once in the Object Store for every agent of the run. */
export interface Payload {
  object: string;
  name: string;
  mode: number;
  mtimeMs: number;
}

export const payloadStore = (nc: NatsConnection): Promise<ObjectStore> => new Objm(nc).create(PAYLOADS, { storage: StorageType.File });

/**
 * The submitter's half of the relay (clush gateways, mitogen): each local file of the run's puts goes into the
 * Object Store once, whatever the number of hosts and agents. Directories do not travel (yet).
 */
export async function storePayloads(store: ObjectStore, runId: string, steps: readonly Step[]): Promise<Record<string, Payload>> {
  const out: Record<string, Payload> = {};
  for (const step of steps) {
    if (step.kind !== 'put') continue;
    for (const local of step.local) {
      if (out[local]) continue;
      const s = await stat(local).catch(() => undefined);
      if (!s?.isFile()) throw new ConfigError(`put --queue ${local}: only regular files go through agents (not directories), and it must exist`);
      const object = `${runId}/${Object.keys(out).length}`;
      await store.put({ name: object }, Readable.toWeb(createReadStream(local)) as ReadableStream<Uint8Array>);
      out[local] = { object, name: basename(local), mode: s.mode & 0o7777, mtimeMs: s.mtimeMs };
    }
  }
  return out;
}

export async function dropPayloads(store: ObjectStore, payloads: Record<string, Payload>): Promise<void> {
  await Promise.all(Object.values(payloads).map((p) => store.delete(p.object).catch(() => undefined)));
}

/** Writes a stored object to `file` with the given mode and time; its size, or undefined if it is gone. */
export async function saveObject(store: ObjectStore, object: string, file: string, meta: { mode: number; mtimeMs: number }): Promise<number | undefined> {
  const got = await store.get(object);
  if (!got) return undefined;
  await pipeline(Readable.fromWeb(got.data as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(file, { mode: meta.mode }));
  await chmod(file, meta.mode);
  await utimes(file, new Date(), new Date(meta.mtimeMs));
  return got.info.size;
}

/**
 * The agent's half: a run's payloads are fetched once (the first batch that needs them) into a directory of
 * its own, keeping each file's name, mode and time as put expects them; later batches reuse them.
 */
export class PayloadCache {
  private readonly runs = new Map<string, Promise<Map<string, string>>>();
  private dir: Promise<string> | undefined;

  constructor(private readonly store: () => Promise<ObjectStore>, private readonly onFetch?: (p: Payload, bytes: number) => void) {}

  /** The steps with each stored local path replaced by the fetched file. */
  async localize(runId: string, payloads: Record<string, Payload> | undefined, steps: Step[]): Promise<Step[]> {
    if (!payloads || Object.keys(payloads).length === 0) return steps;
    let fetched = this.runs.get(runId);
    if (!fetched) this.runs.set(runId, (fetched = this.fetchAll(runId, payloads)));
    const paths = await fetched;
    return steps.map((s) => (s.kind === 'put' ? { ...s, local: s.local.map((l) => paths.get(l) ?? l) } : s));
  }

  private async fetchAll(runId: string, payloads: Record<string, Payload>): Promise<Map<string, string>> {
    this.dir ??= mkdtemp(join(tmpdir(), 'fleet-agent-'));
    const store = await this.store();
    const paths = new Map<string, string>();
    let i = 0;
    for (const [local, p] of Object.entries(payloads)) {
      const dir = join(await this.dir, runId, String(i++));
      await mkdir(dir, { recursive: true });
      const file = join(dir, p.name);
      const size = await saveObject(store, p.object, file, p);
      if (size === undefined) throw new ConfigError(`put: payload ${p.name} is no longer in the queue's object store`);
      this.onFetch?.(p, size);
      paths.set(local, file);
    }
    return paths;
  }

  async close(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}

