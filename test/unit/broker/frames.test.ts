import { describe, expect, it } from 'vitest';
import { AuthError } from '../../../src/core/errors.js';
import type { RunEvent } from '../../../src/core/result.js';
import { encodeFrame, eventFromWire, eventToWire, FrameReader, type FromBroker } from '../../../src/broker/frames.js';

/** Through JSON, as over the socket. */
const roundTrip = (event: RunEvent): RunEvent => eventFromWire(JSON.parse(JSON.stringify(eventToWire(event))) as ReturnType<typeof eventToWire>);

describe('broker frames', () => {
  it('carry output bytes losslessly, as text when UTF-8 and base64 otherwise', () => {
    const text: RunEvent = { type: 'output', host: 'h1', stream: 'stdout', line: 'héllo', bytes: Buffer.from('héllo\n'), at: 1 };
    const binary: RunEvent = { type: 'output', host: 'h1', stream: 'stderr', line: '\ufffd', bytes: Buffer.from([0xff, 0x00, 0x0a]), at: 2 };
    expect(eventToWire(text)).toMatchObject({ text: 'héllo\n' });
    expect(eventToWire(binary)).toMatchObject({ base64: Buffer.from([0xff, 0x00, 0x0a]).toString('base64') });
    expect(roundTrip(text)).toEqual(text);
    expect((roundTrip(binary) as { bytes: Buffer }).bytes.equals(Buffer.from([0xff, 0x00, 0x0a]))).toBe(true);
  });

  it('rebuild a result error as its FleetError class', () => {
    const error = new AuthError('h1: denied', { host: 'h1' });
    const result = { host: 'h1', ok: false, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 3, error };
    const back = roundTrip({ type: 'end', host: 'h1', result, at: 4 });
    expect(back.type === 'end' && back.result.error).toBeInstanceOf(AuthError);
    expect(back.type === 'end' && back.result.error?.message).toBe('h1: denied');
  });

  it('are read back whatever the chunking, a character split between chunks included', () => {
    const frames: FromBroker[] = [
      { type: 'hello', version: '0.1.0+abc', pid: 7 },
      { type: 'warning', id: 1, message: 'ünïcode\nwith a newline' },
      { type: 'stopped' },
    ];
    const bytes = Buffer.from(frames.map(encodeFrame).join(''));
    for (const size of [1, 2, 5, bytes.length]) {
      const got: FromBroker[] = [];
      const reader = new FrameReader<FromBroker>((f) => got.push(f));
      for (let i = 0; i < bytes.length; i += size) reader.push(bytes.subarray(i, i + size));
      expect(got).toEqual(frames);
    }
  });
});
