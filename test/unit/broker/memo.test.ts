import { describe, expect, it } from 'vitest';
import { Memo } from '../../../src/broker/memo.js';

describe('the broker memo', () => {
  it('gives back what was remembered under a key, and nothing under another', () => {
    const memo = new Memo();
    memo.remember('a', { hosts: [1] });
    expect(memo.recall('a')).toEqual({ hosts: [1] });
    expect(memo.recall('b')).toBeUndefined();
  });

  it('keeps at most its limit, dropping the least recently used', () => {
    const memo = new Memo(2);
    memo.remember('a', 1);
    memo.remember('b', 2);
    memo.recall('a');
    memo.remember('c', 3);
    expect([memo.recall('a'), memo.recall('b'), memo.recall('c')]).toEqual([1, undefined, 3]);
  });
});
