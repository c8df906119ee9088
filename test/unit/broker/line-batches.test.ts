import { describe, expect, it } from 'vitest';
import type { RunEvent } from '../../../src/core/result.js';
import { LineBatcher, linesFromWire, type WireLines } from '../../../src/broker/line-batches.js';

type Output = Extract<RunEvent, { type: 'output' }>;
const out = (host: string, bytes: string | Buffer, stream: 'stdout' | 'stderr' = 'stdout'): Output => {
  const b = typeof bytes === 'string' ? Buffer.from(bytes) : bytes;
  const text = b.toString('utf8');
  return { type: 'output', host, stream, line: text.endsWith('\n') ? text.slice(0, -1) : text, bytes: b, at: 1 };
};
const plain = (e: Output) => ({ host: e.host, stream: e.stream, line: e.line, bytes: e.bytes.toString('hex') });

describe('output events batched for the broker socket', () => {
  it('gives back the very same events: lines, a line cut by a chunk, CR, multi-byte text, an empty line', () => {
    const sent: WireLines[] = [];
    const batcher = new LineBatcher((b) => void sent.push(b));
    const events = [out('h1', 'one\n'), out('h1', 'half'), out('h1', ' done\r\n'), out('h1', 'é ü 漢\n'), out('h1', '\n'), out('h1', 'no end')];
    for (const e of events) expect(batcher.add(e)).toBe(true);
    void batcher.flush();
    expect(sent).toHaveLength(1);
    expect(linesFromWire(sent[0]!).map(plain)).toEqual(events.map(plain));
  });

  it('starts a new batch for another host or stream, so the order of events is kept', () => {
    const sent: WireLines[] = [];
    const batcher = new LineBatcher((b) => void sent.push(b));
    const events = [out('h1', 'a\n'), out('h2', 'b\n'), out('h2', 'c\n', 'stderr'), out('h1', 'd\n')];
    for (const e of events) batcher.add(e);
    void batcher.flush();
    expect(sent.map((b) => `${b.host}/${b.stream}`)).toEqual(['h1/stdout', 'h2/stdout', 'h2/stderr', 'h1/stdout']);
    expect(sent.flatMap(linesFromWire).map(plain)).toEqual(events.map(plain));
  });

  it('leaves bytes that are not UTF-8 to a frame of their own', () => {
    const batcher = new LineBatcher(() => undefined);
    expect(batcher.add(out('h1', Buffer.from([0xff, 0xfe, 0x0a])))).toBe(false);
  });

  it('sends a batch once it holds 64 KiB, without waiting for the loop', () => {
    const sent: WireLines[] = [];
    const batcher = new LineBatcher((b) => void sent.push(b));
    for (let i = 0; i < 2000; i++) batcher.add(out('h1', `${'x'.repeat(99)}\n`));
    expect(sent.length).toBeGreaterThanOrEqual(3);
    void batcher.flush();
    expect(sent.flatMap(linesFromWire)).toHaveLength(2000);
  });

  it('sends what it holds once the event loop has handled the I/O at hand', async () => {
    const sent: WireLines[] = [];
    const batcher = new LineBatcher((b) => void sent.push(b));
    batcher.add(out('h1', 'late\n'));
    expect(sent).toHaveLength(0);
    await new Promise((r) => setImmediate(r));
    expect(sent.flatMap(linesFromWire).map((e) => e.line)).toEqual(['late']);
  });
});
