import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor } from '../../../src/cli/render/exit-code.js';
import { ConnectError, TimeoutError } from '../../../src/core/errors.js';
import { outcomeOf, summarize, type RunSummary } from '../../../src/core/result.js';
import { result } from './helpers.js';

const run = (ok: number, failed: number, unreachable: number): RunSummary => ({
  ok, failed, timedOut: 0, unreachable, skipped: 0, hosts: ok + failed + unreachable, durationMs: 1,
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
    expect(EXIT).toEqual({ OK: 0, FAILED: 1, USAGE: 2, UNREACHABLE: 3, INTERRUPTED: 130, TERMINATED: 143, HANGUP: 129 });
  });
});

describe('a timed-out host', () => {
  it('is a failure of a reached host (exit 1), not unreachable (exit 3)', () => {
    const hung = result('h1', { ok: false, exitCode: null, error: new TimeoutError('h1: command still running after 300 ms', { phase: 'command' }) });
    const down = result('h2', { ok: false, exitCode: null, error: new ConnectError('h2: timed out connecting', { reason: 'timeout' }) });
    expect(outcomeOf(hung)).toBe('failed');
    expect(outcomeOf(down)).toBe('unreachable');
    const summary = summarize([hung, result('h3')], 10);
    expect(summary).toMatchObject({ ok: 1, failed: 1, timedOut: 1, unreachable: 0 });
    expect(exitCodeFor(summary)).toBe(EXIT.FAILED);
    expect(exitCodeFor(summarize([hung, down], 10))).toBe(EXIT.UNREACHABLE);
    // The run's deadline caught this one still connecting: it was never reached.
    const connecting = result('h4', { ok: false, exitCode: null, error: new TimeoutError('h4: run deadline reached', { phase: 'connect' }) });
    expect(outcomeOf(connecting)).toBe('unreachable');
    expect(summarize([connecting], 10)).toMatchObject({ failed: 0, timedOut: 0, unreachable: 1 });
  });
});
