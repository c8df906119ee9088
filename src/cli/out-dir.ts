import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { fileNameOf } from '../core/host-file-name.js';
import type { RunEvent, StreamName } from '../core/result.js';
import { writeOrWait } from './drain.js';

interface Files {
  stdout: WriteStream;
  stderr: WriteStream;
  /** Bytes not yet handed to the stream: one write per 64 KiB rather than one per line. */
  pending: Record<StreamName, { parts: Buffer[]; bytes: number }>;
}

const FLUSH_BYTES = 64 * 1024;

/**
 * `--out-dir DIR`, like pssh -o/-e: DIR/<host>.out and DIR/<host>.err, written from the streamed events as
 * lines arrive, so the files are complete whatever the per-host cap on output kept in results. They hold the
 * events' raw bytes, so each file is a byte-exact copy of the stream (binary output, a line without an end,
 * a last line without a newline), never the display text. A host's files are opened when it starts (at most --forks hosts run at
 * once, so at most twice that many files are open) and closed when it ends; every selected host gets both
 * files, empty when it said nothing, as with pssh.
 */
export class OutDir {
  private readonly open = new Map<string, Files>();
  private readonly closing: Promise<unknown>[] = [];

  private constructor(private readonly dir: string) {}

  static async create(dir: string): Promise<OutDir> {
    await mkdir(dir, { recursive: true });
    return new OutDir(dir);
  }

  onEvent(event: RunEvent): Promise<void> | undefined {
    if (event.type === 'summary' || event.type === 'progress') return undefined;
    const files = this.filesOf(event.host);
    if (event.type === 'output') {
      const pending = files.pending[event.stream];
      pending.parts.push(event.bytes);
      pending.bytes += event.bytes.length;
      return pending.bytes >= FLUSH_BYTES ? this.flush(files, event.stream) : undefined;
    }
    if (event.type === 'end') {
      this.open.delete(event.host);
      this.end(files);
    }
    return undefined;
  }

  /** Waits until every file is closed; throws the first write error, if there was one. */
  async close(): Promise<void> {
    for (const files of this.open.values()) this.end(files);
    this.open.clear();
    await Promise.all(this.closing);
    if (this.error) throw this.error;
  }

  private error: Error | undefined;

  private filesOf(host: string): Files {
    let files = this.open.get(host);
    if (!files) {
      const base = join(this.dir, fileNameOf(host));
      const stream = (ext: string) => {
        const s = createWriteStream(`${base}.${ext}`);
        s.on('error', (err) => (this.error ??= err));
        return s;
      };
      const empty = () => ({ parts: [], bytes: 0 });
      files = { stdout: stream('out'), stderr: stream('err'), pending: { stdout: empty(), stderr: empty() } };
      this.open.set(host, files);
    }
    return files;
  }

  private flush(files: Files, stream: StreamName): Promise<void> | undefined {
    const pending = files.pending[stream];
    if (pending.parts.length === 0) return undefined;
    const data = pending.parts.length === 1 ? pending.parts[0]! : Buffer.concat(pending.parts, pending.bytes);
    files.pending[stream] = { parts: [], bytes: 0 };
    return writeOrWait(files[stream], data);
  }

  private end(files: Files): void {
    for (const name of ['stdout', 'stderr'] as const) {
      void this.flush(files, name);
      const s = files[name];
      this.closing.push(once(s, 'close').catch(() => undefined));
      s.end();
    }
  }
}
