import { OutputCap } from '../core/output-cap.js';

/** Keeps the first `limit` bytes of a stream for the result while every chunk still goes to the listener. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  private readonly cap: OutputCap;

  constructor(
    limit: number,
    private readonly listener?: (chunk: Buffer) => void,
  ) {
    this.cap = new OutputCap(limit);
  }

  get truncated(): boolean {
    return this.cap.truncated;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.listener?.(chunk);
    const kept = this.cap.take(chunk.length);
    if (kept === 0) return;
    this.chunks.push(kept < chunk.length ? chunk.subarray(0, kept) : chunk);
    this.size += kept;
  }

  get value(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
