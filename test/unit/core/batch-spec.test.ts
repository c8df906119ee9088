import { describe, expect, it } from 'vitest';
import { batchSizeOf, isSensibleBatch, parseBatchSpec, parseMaxFailPercent } from '../../../src/core/batch-spec.js';

describe('batch specs', () => {
  it('reads a count or a share, nothing else', () => {
    expect(parseBatchSpec(' 10 ')).toEqual({ hosts: 10 });
    expect(parseBatchSpec(5)).toEqual({ hosts: 5 });
    expect(parseBatchSpec('2.5%')).toEqual({ percent: 2.5 });
    for (const bad of ['x', '', '2.5', '-1', '10 %', '%']) expect(parseBatchSpec(bad)).toBeUndefined();
  });

  it('sizes a batch, at least one host (the API takes 0 and 150% as it always has)', () => {
    expect(batchSizeOf({ percent: 25 }, 10)).toBe(3);
    expect(batchSizeOf({ hosts: 0 }, 10)).toBe(1);
    expect(batchSizeOf({ percent: 150 }, 10)).toBe(15);
    expect(batchSizeOf({ hosts: Infinity }, 10)).toBeUndefined();
  });

  it('calls sensible what the CLI accepts', () => {
    expect([{ hosts: 1 }, { percent: 0.5 }, { percent: 100 }].every(isSensibleBatch)).toBe(true);
    expect([{ hosts: 0 }, { percent: 0 }, { percent: 101 }].some(isSensibleBatch)).toBe(false);
  });

  it('reads max-fail as a percentage from 0 to 100', () => {
    expect(parseMaxFailPercent('10%')).toBe(10);
    expect(parseMaxFailPercent(0)).toBe(0);
    expect(parseMaxFailPercent('100')).toBe(100);
    for (const bad of ['150', '-1%', 'x', '']) expect(parseMaxFailPercent(bad)).toBeUndefined();
  });
});
