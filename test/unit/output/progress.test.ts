import { describe, expect, it } from 'vitest';
import { CLEAR_LINE, ProgressLine, renderProgress } from '../../../src/cli/render/progress.js';

const state = { done: 12, total: 50, failed: 1, unreachable: 0, elapsedMs: 3210 };

describe('renderProgress', () => {
  it('draws a bar and the counts', () => {
    expect(renderProgress({ ...state, width: 51 })).toBe('[=>      ] 12/50 · 1 failed · 0 unreachable · 3.2 s');
    expect(renderProgress({ ...state, width: 80 })).toBe(
      '[=======>                      ] 12/50 · 1 failed · 0 unreachable · 3.2 s',
    );
  });

  it('caps the bar, pads done to the width of total, and fills the bar at the end', () => {
    expect(renderProgress({ ...state, done: 3, width: 200 })).toBe(
      '[=>                            ]  3/50 · 1 failed · 0 unreachable · 3.2 s',
    );
    expect(renderProgress({ ...state, done: 50, width: 200 })).toBe(
      '[==============================] 50/50 · 1 failed · 0 unreachable · 3.2 s',
    );
    expect(renderProgress({ ...state, done: 0, width: 49 })).toBe('[>     ]  0/50 · 1 failed · 0 unreachable · 3.2 s');
  });

  it('drops the bar, then the time, then the failure counts as the width shrinks', () => {
    expect(renderProgress({ ...state, width: 48 })).toBe('[=>   ] 12/50 · 1 failed · 0 unreachable · 3.2 s');
    expect(renderProgress({ ...state, width: 47 })).toBe('12/50 · 1 failed · 0 unreachable · 3.2 s');
    expect(renderProgress({ ...state, width: 39 })).toBe('12/50 · 1 failed · 0 unreachable');
    expect(renderProgress({ ...state, width: 31 })).toBe('12/50');
    expect(renderProgress({ ...state, width: 3 })).toBe('12/');
    expect(renderProgress({ ...state, width: 0 })).toBe('');
  });

  it('never exceeds the width', () => {
    for (let width = 0; width <= 120; width++) {
      for (const done of [0, 7, 50]) {
        expect(renderProgress({ ...state, done, elapsedMs: 75_000, width }).length).toBeLessThanOrEqual(width);
      }
    }
  });

  it('put/get: bytes moved and the rate over the elapsed time, dropped before the time when narrow', () => {
    const moved = { ...state, bytes: 12 * 1024 * 1024, elapsedMs: 4000 };
    expect(renderProgress({ ...moved, width: 80 })).toBe('[===>            ] 12/50 · 1 failed · 0 unreachable · 4.0 s · 12 MiB · 3.0 MiB/s');
    expect(renderProgress({ ...moved, width: 58 })).toBe('12/50 · 1 failed · 0 unreachable · 4.0 s');
    expect(renderProgress({ ...moved, bytes: 0, width: 80 })).toMatch(/· 0 B · 0 B\/s$/);
  });

  it('survives an empty run', () => {
    expect(renderProgress({ done: 0, total: 0, failed: 0, unreachable: 0, elapsedMs: 0, width: 60 })).toBe(
      '[>                  ] 0/0 · 0 failed · 0 unreachable · 0.0 s',
    );
  });
});

describe('ProgressLine', () => {
  function sinks(): { progress: ProgressLine; log: string[] } {
    const log: string[] = [];
    return { progress: new ProgressLine((s) => log.push(`err:${s}`)), log };
  }

  it('clears itself before output and redraws after, so lines never mix', () => {
    const { progress, log } = sinks();
    progress.update('1/3');
    progress.around(() => log.push('out:web01 | hi\n'));
    progress.update('2/3');
    expect(log).toEqual([`err:${CLEAR_LINE}1/3`, `err:${CLEAR_LINE}`, 'out:web01 | hi\n', 'err:1/3', `err:${CLEAR_LINE}2/3`]);
  });

  it('skips redrawing unchanged text and writes nothing for output before the first update', () => {
    const { progress, log } = sinks();
    progress.around(() => log.push('out:a\n'));
    progress.update('x');
    progress.update('x');
    expect(log).toEqual(['out:a\n', `err:${CLEAR_LINE}x`]);
  });

  it('redraws even when the output throws', () => {
    const { progress, log } = sinks();
    progress.update('p');
    expect(() => progress.around(() => { throw new Error('boom'); })).toThrow('boom');
    expect(log.at(-1)).toBe('err:p');
  });

  it('stop() erases the line for good', () => {
    const { progress, log } = sinks();
    progress.update('p');
    progress.stop();
    progress.update('q');
    progress.around(() => log.push('out:summary\n'));
    expect(log).toEqual([`err:${CLEAR_LINE}p`, `err:${CLEAR_LINE}`, 'out:summary\n']);
  });
});
