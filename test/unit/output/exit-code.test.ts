import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../../src/output/exit-code.js';
import type { RunSummary } from '../../../src/output/model.js';

const run = (ok: number, failed: number, unreachable: number): RunSummary => ({
  ok, failed, unreachable, skipped: 0, hosts: ok + failed + unreachable, durationMs: 1,
});

describe('exitCodeFor', () => {
  it('follows DESIGN.md §4', () => {
    expect(exitCodeFor(run(5, 0, 0))).toBe(0);
    expect(exitCodeFor(run(4, 1, 0))).toBe(1);
    expect(exitCodeFor(run(4, 0, 1))).toBe(3);
    expect(exitCodeFor(run(3, 1, 1))).toBe(3);
    expect(exitCodeFor(run(5, 0, 0), { interrupted: true })).toBe(130);
    expect(exitCodeFor(run(0, 2, 3), { interrupted: true })).toBe(130);
    expect(exitCodeFor(run(5, 0, 0), { interrupted: false })).toBe(0);
  });

  it('names the codes, usage included', () => {
    expect(EXIT).toEqual({ OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, INTERRUPTED: 130 });
  });
});
