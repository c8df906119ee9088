export interface OutputLine {
  /** The line's text without its newline. */
  line: string;
  /** The line's exact bytes, its newline included when it had one. */
  bytes: Buffer;
}

/**
 * Pairs each line of a chunk's text with its bytes. The text (from Utf8Text) has exactly as many `\n` as the
 * bytes have 0x0A: a 0x0A byte is never part of a multi-byte character, even an invalid one, and the decoder
 * holds back only the bytes of an unfinished character. So the i-th text line is the i-th byte line.
 */
export function splitLines(text: string, bytes: Buffer): OutputLine[] {
  const lines: OutputLine[] = [];
  let t = 0;
  let b = 0;
  while (b < bytes.length) {
    const nb = bytes.indexOf(0x0a, b);
    const bEnd = nb === -1 ? bytes.length : nb + 1;
    const nt = text.indexOf('\n', t);
    const tEnd = nt === -1 ? text.length : nt;
    lines.push({ line: text.slice(t, tEnd), bytes: bytes.subarray(b, bEnd) });
    b = bEnd;
    t = nt === -1 ? text.length : nt + 1;
  }
  return lines;
}
