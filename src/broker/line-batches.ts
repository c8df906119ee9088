import { isUtf8 } from 'node:buffer';
import type { RunEvent, StreamName } from '../core/result.js';

type Output = Extract<RunEvent, { type: 'output' }>;

/**
 * Consecutive output events of one host's stream as one frame: `text` is their bytes (valid UTF-8), and
 * `cuts` the offsets where an event ended without a newline (a chunk that ended mid-line), so the client
 * gets back the very same events.
 */
export interface WireLines {
  host: string;
  stream: StreamName;
  at: number;
  text: string;
  cuts: number[];
}

/** Text a batch holds at most before it goes. */
const MAX_BATCH_CHARS = 64 * 1024;

/**
 * Gathers output events for the socket. One JSON frame per line cost the broker and the CLI each a parse
 * and a stringify per line — 50 MB of `yes` made ~25 M frames — and a closed `| head` had to read all that
 * was queued before the run's end. A batch goes when another host, stream or kind of event comes, when it
 * holds MAX_BATCH_CHARS, or once the event loop has handled the I/O at hand.
 */
export class LineBatcher {
  private head: Pick<WireLines, 'host' | 'stream' | 'at'> | undefined;
  private parts: string[] = [];
  private cuts: number[] = [];
  private chars = 0;
  private scheduled = false;

  constructor(private readonly send: (lines: WireLines) => void | Promise<void>) {}

  /** Takes the event into the batch, or says false: it goes as a frame of its own (bytes not UTF-8). */
  add(event: Output): boolean {
    if (!isUtf8(event.bytes)) return false;
    if (this.head && (this.head.host !== event.host || this.head.stream !== event.stream)) this.flush();
    this.head ??= { host: event.host, stream: event.stream, at: event.at };
    const text = event.bytes.toString('utf8');
    this.parts.push(text);
    this.chars += text.length;
    if (!text.endsWith('\n')) this.cuts.push(this.chars);
    if (this.chars >= MAX_BATCH_CHARS) void this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        void this.flush();
      });
    }
    return true;
  }

  /** Sends what is gathered, before any other frame of the run. */
  flush(): void | Promise<void> {
    const head = this.head;
    if (!head) return;
    const lines: WireLines = { ...head, text: this.parts.join(''), cuts: this.cuts };
    this.head = undefined;
    this.parts = [];
    this.cuts = [];
    this.chars = 0;
    return this.send(lines);
  }
}

/** The events a batch was made of, in order, each with its line (no newline) and its exact bytes. */
export function linesFromWire(wire: WireLines): Output[] {
  const events: Output[] = [];
  const { text, cuts } = wire;
  let pos = 0;
  let k = 0;
  while (pos < text.length) {
    const nl = text.indexOf('\n', pos);
    const cut = k < cuts.length ? cuts[k]! : Infinity;
    const end = Math.min(nl === -1 ? text.length : nl + 1, cut);
    if (end === cut) k++;
    const piece = text.slice(pos, end);
    const line = piece.endsWith('\n') ? piece.slice(0, -1) : piece;
    events.push({ type: 'output', host: wire.host, stream: wire.stream, line, bytes: Buffer.from(piece, 'utf8'), at: wire.at });
    pos = end;
  }
  return events;
}
