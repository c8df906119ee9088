import { fromPlainError } from '../errors.js';
import type { HostResult, StreamName } from '../output/model.js';
import type { TaskEnd } from './protocol.js';

/** Collects one host's streamed output, keeping at most `cap` characters per stream, and its end. */
export class ResultBuilder {
  private readonly kept: Record<StreamName, string[]> = { stdout: [], stderr: [] };
  private readonly size: Record<StreamName, number> = { stdout: 0, stderr: 0 };
  private truncated = false;

  constructor(
    readonly host: string,
    private readonly cap: number,
  ) {}

  append(stream: StreamName, data: string): void {
    const room = this.cap - this.size[stream];
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = data.length > room ? data.slice(0, room) : data;
    if (part !== data) this.truncated = true;
    this.kept[stream].push(part);
    this.size[stream] += part.length;
  }

  /** A retried host starts over: the report shows the attempt that counted. */
  reset(): void {
    this.kept.stdout = [];
    this.kept.stderr = [];
    this.size.stdout = this.size.stderr = 0;
    this.truncated = false;
  }

  build(end: TaskEnd): HostResult {
    const result: HostResult = {
      host: this.host,
      ok: end.ok,
      exitCode: end.exitCode,
      signal: end.signal,
      stdout: this.kept.stdout.join(''),
      stderr: this.kept.stderr.join(''),
      truncated: this.truncated,
      durationMs: end.durationMs,
    };
    if (end.error) result.error = fromPlainError(end.error);
    if (end.transfer) result.transfer = end.transfer;
    if (end.worker !== undefined) result.worker = end.worker;
    return result;
  }
}
