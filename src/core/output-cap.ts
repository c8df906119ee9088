/**
 * The cap on what a result keeps of one output stream, counted in bytes (UTF-8 bytes where the output is
 * text), for the raw buffers of ssh/exec and the text results of the controller alike. Everything is still
 * streamed; only what is kept stops at the cap. Once a stream is cut nothing after the cut is kept, so a
 * result is always a beginning of its stream.
 */
export class OutputCap {
  private used = 0;
  truncated = false;

  constructor(private readonly limit: number) {}

  /** Of the next `size` bytes, how many to keep: all of them, the part that fits, or none. */
  take(size: number): number {
    if (size === 0) return 0;
    const kept = this.truncated ? 0 : Math.min(size, Math.max(0, this.limit - this.used));
    if (kept < size) this.truncated = true;
    this.used += kept;
    return kept;
  }
}

const encoder = new TextEncoder();

/** The longest beginning of `text` that is at most `bytes` long in UTF-8, whole characters only. */
export function utf8Prefix(text: string, bytes: number): string {
  const { read } = encoder.encodeInto(text, new Uint8Array(bytes));
  return text.slice(0, read);
}
