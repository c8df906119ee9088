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
import { localTree } from './local-tree.js';

export const PAYLOADS = 'fleet-payloads';

/** One local file or directory of a put, as stored once in the Object Store for every agent of the run. */
export interface Payload {
  /** The file's object; '' for a directory, whose files are in `tree`. */
  object: string;
  name: string;
  mode: number;
  mtimeMs: number;
  /** A directory (put -r): what is below it, paths relative to it with '/', parents before children. */
  tree?: { dirs: { path: string; mode: number }[]; files: { path: string; object: string; mode: number; mtimeMs: number }[] };
}

export const payloadStore = (nc: NatsConnection): Promise<ObjectStore> => new Objm(nc).create(PAYLOADS, { storage: StorageType.File });

/**
 * The submitter's half of the relay (clush gateways, mitogen): each local file of the run's puts goes into the
 * Object Store once, whatever the number of hosts and agents; a directory (put -r) as each file below it.
 */
export async function storePayloads(store: ObjectStore, runId: string, steps: readonly Step[]): Promise<Record<string, Payload>> {
  const out: Record<string, Payload> = {};
  let n = 0;
  const putFile = async (path: string) => {
    const object = `${runId}/${n++}`;
    await store.put({ name: object }, Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>);
    return object;
  };
  for (const step of steps) {
    if (step.kind !== 'put') continue;
    for (const local of step.local) {
      if (out[local]) continue;
      const s = await stat(local).catch(() => undefined);
      const meta = { name: basename(local), mode: (s?.mode ?? 0) & 0o7777, mtimeMs: s?.mtimeMs ?? 0 };
      if (s?.isFile()) out[local] = { object: await putFile(local), ...meta };
      else if (s?.isDirectory() && step.recursive) out[local] = { object: '', ...meta, tree: await storeTree(local, putFile) };
      else throw new ConfigError(`put --queue ${local}: it must exist and be a regular file, or a directory with -r`);
    }
  }
  return out;
}

/** The files and directories below `root`, each file stored. */
async function storeTree(root: string, putFile: (path: string) => Promise<string>): Promise<NonNullable<Payload['tree']>> {
  const { dirs, files } = await localTree(root);
  const stored = [];
  for (const { file, ...f } of files) stored.push({ ...f, object: await putFile(file) });
  return { dirs, files: stored };
}

export async function dropPayloads(store: ObjectStore, payloads: Record<string, Payload>): Promise<void> {
  const objects = Object.values(payloads).flatMap((p) => (p.tree ? p.tree.files.map((f) => f.object) : [p.object]));
  await Promise.all(objects.map((o) => store.delete(o).catch(() => undefined)));
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
      const size = p.tree ? await saveTree(store, file, p, p.tree) : await saveObject(store, p.object, file, p);
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

/** A stored directory laid out again under `root`: its bytes, or undefined if a file of it is gone. */
async function saveTree(store: ObjectStore, root: string, top: Payload, tree: NonNullable<Payload['tree']>): Promise<number | undefined> {
  // The paths come over the queue: none may climb out of the root.
  if ([...tree.dirs, ...tree.files].some((e) => e.path.split('/').some((part) => part === '..' || part === '' || part === '.'))) {
    throw new ConfigError(`put: payload ${top.name} names a path outside itself`);
  }
  // Writable while it fills; the modes as they were once every file is in.
  await mkdir(root, { mode: 0o700 });
  for (const d of tree.dirs) await mkdir(join(root, ...d.path.split('/')), { mode: 0o700 });
  let bytes = 0;
  for (const f of tree.files) {
    const size = await saveObject(store, f.object, join(root, ...f.path.split('/')), f);
    if (size === undefined) return undefined;
    bytes += size;
  }
  for (const d of [...tree.dirs].reverse()) await chmod(join(root, ...d.path.split('/')), d.mode);
  await chmod(root, top.mode);
  return bytes;
}
