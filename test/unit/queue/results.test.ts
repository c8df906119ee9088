import { describe, expect, it } from 'vitest';
import { claimKey, hostOfClaim, LIVENESS_MS } from '../../../src/queue/connection.js';
import { fitted } from '../../../src/queue/results.js';
import { RunTracker } from '../../../src/queue/run-tracker.js';
import { encode, type WireEvent } from '../../../src/queue/wire.js';

type End = Extract<WireEvent, { type: 'end' }>;
const end = (host: string, stdout = ''): End => ({
  type: 'end',
  host,
  agent: 'a1',
  at: 0,
  result: { host, ok: true, exitCode: 0, signal: null, stdout, stderr: '', truncated: false, durationMs: 1 },
});

describe('queue results', () => {
  it('a result too big for one message keeps the start of its output, marked truncated', () => {
    const e = fitted(end('h1', 'x'.repeat(10_000)), 3000);
    expect(encode(e).length).toBeLessThanOrEqual(3000);
    expect(e.result.stdout).toMatch(/^x+$/);
    expect(e.result.truncated).toBe(true);
    expect(fitted(end('h2', 'small'), 3000)).toEqual(end('h2', 'small'));
  });

  it('a claim key gives its host back, whatever the host name holds', () => {
    expect(hostOfClaim(claimKey('r1', 'web 1.example:22'))).toBe('web 1.example:22');
  });

  it('while the submitter is cut off nobody is judged dead; back online, each agent gets a fresh window', () => {
    const tracker = new RunTracker([{ name: 'h1', zone: 'default' }], undefined);
    const t0 = Date.now();
    tracker.heartbeat({ name: 'a1', zone: 'default', at: t0, running: 1 });
    tracker.claim('h1', 'a1');
    tracker.pause();
    tracker.checkAgents(t0 + 10 * LIVENESS_MS);
    expect(tracker.pending()).toEqual([]);
    tracker.resume(t0 + 10 * LIVENESS_MS);
    tracker.checkAgents(t0 + 10 * LIVENESS_MS + 1);
    tracker.event(end('h1'));
    expect(tracker.resultsIn(['h1'])[0]).toMatchObject({ host: 'h1', ok: true, agent: 'a1' });
  });
});
