import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeOrWait } from '../../../src/cli/drain.js';
import { WriteBatch } from '../../../src/cli/write-batch.js';

/** A stream that records each write it is handed; `room` bytes fit before write() says to wait. */
function collector(name: string, log: string[], room = 1 << 30): Writable & { writes: string[] } {
  const writes: string[] = [];
  const stream = new Writable({
    highWaterMark: room,
    write(chunk: Buffer, _enc, done) {
      writes.push(chunk.toString());
      log.push(`${name}:${chunk.toString()}`);
      setImmediate(done);
    },
  });
  return Object.assign(stream, { writes });
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe('WriteBatch: the CLI hands its lines to stdout and stderr in batches, in order', () => {
  it('lines written in one turn of the loop go out as one write', async () => {
    const out = collector('out', []);
    const batch = new WriteBatch((s, text) => writeOrWait(s, text));
    for (let i = 0; i < 1000; i++) expect(batch.write(out, `line ${i}\n`)).toBeUndefined();
    expect(out.writes).toEqual([]);
    await nextTurn();
    expect(out.writes).toHaveLength(1);
    expect(out.writes[0]!.split('\n')).toHaveLength(1001);
    expect(out.writes[0]!.startsWith('line 0\nline 1\n')).toBe(true);
  });

  it('keeps the order across the two streams: a write to the other one sends the batch first', async () => {
    const log: string[] = [];
    const out = collector('out', log);
    const err = collector('err', log);
    const batch = new WriteBatch((s, text) => writeOrWait(s, text));
    batch.write(out, 'a\n');
    batch.write(out, 'b\n');
    batch.write(err, 'warning\n');
    batch.write(out, 'c\n');
    await nextTurn();
    await nextTurn();
    expect(log).toEqual(['out:a\nb\n', 'err:warning\n', 'out:c\n']);
  });

  it('a batch goes out at once at 64 KiB, whatever the turn', () => {
    const out = collector('out', []);
    const sent: number[] = [];
    const batch = new WriteBatch((s, text) => (sent.push(text.length), writeOrWait(s, text)));
    const line = `${'x'.repeat(1023)}\n`;
    for (let i = 0; i < 64; i++) batch.write(out, line);
    expect(sent).toEqual([64 * 1024]);
  });

  it('a full stream: later writes get the promise of its drain, the same one for all, until it drains', async () => {
    const out = collector('out', [], 16);
    const batch = new WriteBatch((s, text) => writeOrWait(s, text));
    batch.write(out, `${'y'.repeat(100)}\n`);
    expect(batch.send()).toBeInstanceOf(Promise);
    const a = batch.write(out, 'next\n');
    const b = batch.write(out, 'after\n');
    expect(a).toBeInstanceOf(Promise);
    expect(b).toBe(a);
    await a;
    expect(batch.write(out, 'free\n')).toBeUndefined();
    await batch.send();
    await nextTurn();
    expect(out.writes.join('')).toBe(`${'y'.repeat(100)}\nnext\nafter\nfree\n`);
  });

  it('drop() forgets what waits for a stream that went away', async () => {
    const out = collector('out', []);
    const batch = new WriteBatch((s, text) => writeOrWait(s, text));
    batch.write(out, 'lost\n');
    batch.drop(out);
    await nextTurn();
    expect(out.writes).toEqual([]);
  });
});
