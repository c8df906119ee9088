import { createReadStream, existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import type { ObjectStore } from '@nats-io/obj';
import { fileNameOf } from '../core/host-file-name.js';
import type { Step } from '../core/steps.js';
import { localTree } from './local-tree.js';
import { saveObject } from './payloads.js';

/** One file a get fetched on an agent, stored in the Object Store for the submitter. */
export interface GotFile {
  object: string;
  /** Which of the host's steps fetched it (its localDir is the submitter's). */
  step: number;
  /** Below `<localDir>/<host>/`, with `/` separators. */
  path: string;
  mode: number;
  mtimeMs: number;
}

/**
 * The agent's half of `get --queue`: each get step lands in a directory of the agent's own, as a local get
 * would lay it out (`<dir>/<host>/…`); once the host has ended, its files go into the Object Store and leave
 * the agent's disk, and its end names them. Directories travel as the files below them.
 */
export class GetRelay {
  private dir: Promise<string> | undefined;
  private objects = 0;

  constructor(private readonly store: () => Promise<ObjectStore>) {}

  private base(runId: string, step: number): Promise<string> {
    this.dir ??= mkdtemp(join(tmpdir(), 'fleet-agent-get-'));
    return this.dir.then((d) => join(d, runId, String(step)));
  }

  /** The steps with each get's localDir replaced by the agent's own. */
  async localize(runId: string, steps: Step[]): Promise<Step[]> {
    return Promise.all(steps.map(async (s, i) => (s.kind === 'get' ? { ...s, localDir: await this.base(runId, i) } : s)));
  }

  /** Stores what the host's gets fetched (all of it, a failed get's partial files too) and removes it here. */
  async ship(runId: string, host: string, steps: readonly Step[]): Promise<GotFile[]> {
    const out: GotFile[] = [];
    for (const [step, s] of steps.entries()) {
      if (s.kind !== 'get') continue;
      const root = join(await this.base(runId, step), fileNameOf(host));
      // Nothing there: the get fetched nothing (or failed before its first file).
      const files = existsSync(root) ? (await localTree(root)).files : [];
      for (const { file, path, mode, mtimeMs } of files) {
        const object = `${runId}/got/${process.pid}-${this.objects++}`;
        await (await this.store()).put({ name: object }, Readable.toWeb(createReadStream(file)) as ReadableStream<Uint8Array>);
        out.push({ object, step, path, mode, mtimeMs });
      }
      await rm(root, { recursive: true, force: true });
    }
    return out;
  }

  async close(): Promise<void> {
    if (this.dir) await rm(await this.dir, { recursive: true, force: true });
  }
}

/**
 * The submitter's half: a host's files land in `<localDir>/<host>/…` exactly where a local get puts them,
 * with their mode and time, before the host is reported ended; each object is deleted once fetched.
 */
export async function receiveGotFiles(store: ObjectStore, host: string, steps: readonly Step[], files: readonly GotFile[]): Promise<void> {
  for (const f of files) {
    const step = steps[f.step];
    if (step?.kind !== 'get' || f.path.split('/').includes('..')) continue;
    const target = join(step.localDir, fileNameOf(host), ...f.path.split('/'));
    await mkdir(dirname(target), { recursive: true });
    if ((await saveObject(store, f.object, target, f)) === undefined) throw new Error(`get: ${host}'s ${f.path} is no longer in the queue's object store`);
    await store.delete(f.object).catch(() => undefined);
  }
}
