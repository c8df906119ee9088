/** A line longer than this is sent in pieces: one endless line must not grow a worker's memory. */
export const MAX_PARTIAL_LINE = 64 * 1024;

/**
 * Cuts a byte stream at line ends so no message ever carries half a line (two hosts' output can then never
 * interleave within a line). Splitting on the 0x0A byte is safe in UTF-8: it never occurs inside a character.
 */
export class LineSplitter {
  private held: Buffer = Buffer.alloc(0);

  /** Returns the complete lines in `chunk` (with their \n), holding back a trailing partial line. */
  push(chunk: Buffer): string {
    const data = this.held.length ? Buffer.concat([this.held, chunk]) : chunk;
    const cut = data.lastIndexOf(0x0a) + 1;
    if (cut === 0 && data.length < MAX_PARTIAL_LINE) {
      this.held = data;
      return '';
    }
    const end = cut === 0 ? data.length : cut;
    this.held = data.subarray(end);
    if (this.held.length >= MAX_PARTIAL_LINE) {
      this.held = Buffer.alloc(0);
      return data.toString('utf8');
    }
    return data.subarray(0, end).toString('utf8');
  }

  /** The unterminated last line, at the end of the stream. */
  flush(): string {
    const rest = this.held.toString('utf8');
    this.held = Buffer.alloc(0);
    return rest;
  }
}
