/** A line longer than this is sent in pieces: one endless line must not grow a worker's memory. */
export const MAX_PARTIAL_LINE = 64 * 1024;

const EMPTY = Buffer.alloc(0);

/**
 * Cuts a byte stream at line ends so no message ever carries half a line (two hosts' output can then never
 * interleave within a line). It only cuts, never converts: the pieces, joined, are the stream's exact bytes
 * (`--out-dir` files are byte copies); text is made from them on the controller, for display.
 */
export class LineSplitter {
  private held: Buffer = EMPTY;

  /** Returns the complete lines in `chunk` (with their \n), holding back a trailing partial line. */
  push(chunk: Buffer): Buffer {
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const cut = data.lastIndexOf(0x0a) + 1;
    if (cut === 0 && data.length < MAX_PARTIAL_LINE) {
      this.held = data;
      return EMPTY;
    }
    const end = cut === 0 ? data.length : cut;
    this.held = data.subarray(end);
    if (this.held.length >= MAX_PARTIAL_LINE) {
      this.held = EMPTY;
      return data;
    }
    return data.subarray(0, end);
  }

  /** The unterminated last line, at the end of the stream. */
  flush(): Buffer {
    const rest = this.held;
    this.held = EMPTY;
    return rest;
  }
}
