import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { splitLines } from '../../../src/runner/controller/output-lines.js';
import type { FromWorker } from '../../../src/runner/transport/protocol.js';
import { Utf8Text } from '../../../src/runner/controller/utf8-text.js';
import { fromWire, toWire } from '../../../src/runner/transport/wire.js';

const output = (data: Buffer): FromWorker => ({ type: 'output', id: 7, stream: 'stdout', data });

/** What fork IPC does to a message with the default ('json') serialization. */
const overIpc = (m: FromWorker) => fromWire(JSON.parse(JSON.stringify(toWire(m))));

describe('output bytes over fork IPC', () => {
  it('carry text as text and anything else as base64, both back to the same bytes', () => {
    const text = Buffer.from('héllo wörld\n');
    const binary = randomBytes(64 * 1024);
    const cut = Buffer.from('é').subarray(0, 1);
    expect(toWire(output(text))).toMatchObject({ text: 'héllo wörld\n' });
    expect(toWire(output(binary))).toHaveProperty('base64');
    for (const data of [text, binary, cut, Buffer.alloc(0)]) {
      const back = overIpc(output(data));
      expect(back.type === 'output' && Buffer.isBuffer(back.data) && back.data.equals(data)).toBe(true);
    }
    expect(overIpc({ type: 'step', id: 3 })).toEqual({ type: 'step', id: 3 });
  });
});

describe('Utf8Text and splitLines', () => {
  it('decode any cut of a UTF-8 stream to the same text, valid', () => {
    const bytes = Buffer.from('a€b\n𝄞c\nlast');
    for (let at = 0; at <= bytes.length; at++) {
      const t = new Utf8Text();
      const text = t.decode(bytes.subarray(0, at)) + t.decode(bytes.subarray(at)) + t.end();
      expect(text).toBe('a€b\n𝄞c\nlast');
      expect(t.valid).toBe(true);
    }
  });

  it('pair each line of text with its exact bytes, even when the bytes are not UTF-8', () => {
    const bytes = Buffer.from([0x61, 0xff, 0x0a, 0xe2, 0x0a, 0x0a, 0x62]);
    const t = new Utf8Text();
    const lines = splitLines(t.decode(bytes), bytes);
    expect(lines.map((l) => l.line)).toEqual(['a\ufffd', '\ufffd', '', 'b']);
    expect(Buffer.concat(lines.map((l) => l.bytes)).equals(bytes)).toBe(true);
    expect(t.valid).toBe(false);
  });

  it('give a piece that ends mid-character its bytes, and the character to the next piece', () => {
    const bytes = Buffer.from('xé\n');
    const t = new Utf8Text();
    const first = splitLines(t.decode(bytes.subarray(0, 2)), bytes.subarray(0, 2));
    const second = splitLines(t.decode(bytes.subarray(2)), bytes.subarray(2));
    expect([...first, ...second].map((l) => l.line)).toEqual(['x', 'é']);
    expect(Buffer.concat([...first, ...second].map((l) => l.bytes)).equals(bytes)).toBe(true);
    expect(t.valid).toBe(true);
  });
});
