import { fromPlainError } from '../../core/errors.js';
import { OutputCap, utf8Prefix } from '../../core/output-cap.js';
import type { HostResult, StreamName } from '../../core/result.js';
import type { TaskEnd } from '../transport/protocol.js';
import { Utf8Text } from './utf8-text.js';

/**
 * Collects one host's streamed output as text, keeping at most `cap` bytes of it (UTF-8) per stream, and its
 * end. The bytes arrive raw; this is where they become text (and where a stream that was not UTF-8 is
 * noticed).
 */
export class ResultBuilder {
  private readonly kept: Record<StreamName, string[]> = { stdout: [], stderr: [] };
  private caps: Record<StreamName, OutputCap>;
  private readonly text: Record<StreamName, Utf8Text> = { stdout: new Utf8Text(), stderr: new Utf8Text() };

  constructor(
    readonly host: string,
    private readonly cap: number,
  ) {
    this.caps = this.freshCaps();
  }

  /** Takes the next bytes of a stream and returns them as text (what is kept of it is capped). */
  append(stream: StreamName, bytes: Buffer): string {
    const data = this.text[stream].decode(bytes);
    this.keep(stream, data);
    return data;
  }

  /** A retried host starts over: the report shows the attempt that counted. */
  reset(): void {
    this.kept.stdout = [];
    this.kept.stderr = [];
    this.caps = this.freshCaps();
    this.text.stdout.reset();
    this.text.stderr.reset();
  }

  build(end: TaskEnd): HostResult {
    for (const stream of ['stdout', 'stderr'] as const) this.keep(stream, this.text[stream].end());
    const result: HostResult = {
      host: this.host,
      ok: end.ok,
      exitCode: end.exitCode,
      signal: end.signal,
      stdout: this.kept.stdout.join(''),
      stderr: this.kept.stderr.join(''),
      truncated: this.caps.stdout.truncated || this.caps.stderr.truncated,
      durationMs: end.durationMs,
    };
    const invalid = (['stdout', 'stderr'] as const).filter((s) => !this.text[s].valid);
    if (invalid.length > 0) result.invalidUtf8 = invalid;
    if (end.error) result.error = fromPlainError(end.error);
    if (end.transfer) result.transfer = end.transfer;
    if (end.worker !== undefined) result.worker = end.worker;
    return result;
  }

  private freshCaps(): Record<StreamName, OutputCap> {
    return { stdout: new OutputCap(this.cap), stderr: new OutputCap(this.cap) };
  }

  private keep(stream: StreamName, data: string): void {
    const size = Buffer.byteLength(data);
    const kept = this.caps[stream].take(size);
    if (kept > 0) this.kept[stream].push(kept < size ? utf8Prefix(data, kept) : data);
  }
}
