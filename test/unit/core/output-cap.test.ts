import { describe, expect, it } from 'vitest';
import { OutputCap, utf8Prefix } from '../../../src/core/output-cap.js';

describe('OutputCap', () => {
  it('keeps chunks until the cap, the part that fits, then nothing', () => {
    const cap = new OutputCap(10);
    expect([cap.take(4), cap.take(0), cap.take(4), cap.truncated]).toEqual([4, 0, 4, false]);
    expect([cap.take(4), cap.truncated, cap.take(1)]).toEqual([2, true, 0]);
  });

  it('a cap of 0 keeps nothing and says so only once there was output', () => {
    const cap = new OutputCap(0);
    expect([cap.take(0), cap.truncated]).toEqual([0, false]);
    expect([cap.take(1), cap.truncated]).toEqual([0, true]);
  });
});

describe('utf8Prefix', () => {
  it('cuts at a byte count, whole characters only', () => {
    expect(utf8Prefix('abc', 2)).toBe('ab');
    expect(utf8Prefix('a€b', 3)).toBe('a');
    expect(utf8Prefix('a€b', 4)).toBe('a€');
    expect(utf8Prefix('😀x', 3)).toBe('');
    expect(utf8Prefix('😀x', 4)).toBe('😀');
  });
});
