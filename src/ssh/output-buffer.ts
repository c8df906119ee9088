/** Keeps the first `limit` bytes of a stream for the result while every chunk still goes to the listener. */
export class OutputBuffer {
  private readonly chunks: Buffer[] = [];
  private size = 0;
  truncated = false;

  constructor(
    private readonly limit: number,
    private readonly listener?: (chunk: Buffer) => void,
  ) {}

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.listener?.(chunk);
    const room = this.limit - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (kept !== chunk) this.truncated = true;
    this.chunks.push(kept);
    this.size += kept.length;
  }

  get value(): Buffer {
    return Buffer.concat(this.chunks, this.size);
  }
}
