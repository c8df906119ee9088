import { isUtf8 } from 'node:buffer';

const EMPTY = Buffer.alloc(0);

/** How many bytes at the end of `data` begin a character whose remaining bytes have not arrived (0–3). */
function incompleteTail(data: Buffer): number {
  for (let back = 1; back <= Math.min(3, data.length); back++) {
    const byte = data[data.length - back]!;
    if ((byte & 0xc0) === 0x80) continue; // a continuation byte: look further back for its lead
    const length = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : byte >= 0xc0 ? 2 : 1;
    return length > back ? back : 0;
  }
  return 0;
}

/**
 * One stream's bytes as text, chunk by chunk, and whether all of it was valid UTF-8. A character cut between
 * two chunks (a 64 KiB piece of a long line ends mid-character) is held back until its other bytes come,
 * so only bytes that are really invalid become U+FFFD — and only those make the stream "not UTF-8".
 */
export class Utf8Text {
  private carry: Buffer = EMPTY;
  private invalid = false;

  get valid(): boolean {
    return !this.invalid;
  }

  decode(chunk: Buffer): string {
    const data = this.carry.length ? Buffer.concat([this.carry, chunk]) : chunk;
    const body = data.subarray(0, data.length - incompleteTail(data));
    // A copy: the chunk may be a view into a buffer its owner goes on to reuse.
    this.carry = body.length === data.length ? EMPTY : Buffer.from(data.subarray(body.length));
    if (!this.invalid && !isUtf8(body)) this.invalid = true;
    return body.toString('utf8');
  }

  /** At the end of the stream: a character still incomplete is invalid. */
  end(): string {
    if (this.carry.length === 0) return '';
    this.invalid = true;
    const rest = this.carry.toString('utf8');
    this.carry = EMPTY;
    return rest;
  }

  reset(): void {
    this.carry = EMPTY;
    this.invalid = false;
  }
}
