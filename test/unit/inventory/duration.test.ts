import { describe, expect, it } from 'vitest';
import { parseDuration, tryParseDuration } from '../../../src/inventory/index.js';
import { configError } from './helpers.js';

describe('parseDuration', () => {
  it.each([
    ['10s', 10_000],
    ['500ms', 500],
    ['2m', 120_000],
    ['1h', 3_600_000],
    ['1m30s', 90_000],
    ['1.5s', 1500],
    ['10', 10_000],
    [' 3s ', 3000],
    [0, 0],
    [2.5, 2500],
  ] as const)('%s → %i ms', (input, ms) => {
    expect(parseDuration(input, { bareNumber: 'seconds' })).toBe(ms);
  });

  it.each(['', '10x', 's', '10 s', '-5s', '1d', 'ten'])('rejects %j', (input) => {
    expect(tryParseDuration(input, { bareNumber: 'seconds' })).toBeUndefined();
  });

  it('reads a number as milliseconds for the API, text as an operator writes it', () => {
    expect(parseDuration(2.5, { bareNumber: 'ms' })).toBe(2.5);
    expect(parseDuration(30_000, { bareNumber: 'ms' })).toBe(30_000);
    expect(parseDuration('10', { bareNumber: 'ms' })).toBe(10_000);
    expect(parseDuration('1m30s', { bareNumber: 'ms' })).toBe(90_000);
    expect(tryParseDuration(-5, { bareNumber: 'seconds' })).toBeUndefined();
  });

  it('says what a duration looks like', () => {
    configError(() => parseDuration('10sec', { bareNumber: 'ms' }), 'bad duration "10sec": use a duration like 500ms, 10s, 2m or 1h (a bare number means seconds)');
  });
});
