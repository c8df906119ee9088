import { describe, expect, it } from 'vitest';
import { decodeWorkerStart, encodeWorkerStart, type FromWorker, type ToWorker } from '../../../src/runner/transport/protocol.js';
import { InlineWorker } from '../../../src/runner/transport/inline-worker.js';
import type { HostTask } from '../../../src/runner/transport/task.js';

describe('WorkerStart', () => {
  it('survives argv both ways, among other arguments', () => {
    const start = { slots: 8, creditWindow: 1 << 20, maxHeldSessions: 100, sessionIdleMs: 0, guardFrom: 2 };
    expect(decodeWorkerStart(['--inspect', ...encodeWorkerStart(start)])).toEqual(start);
  });

  it('refuses a missing or malformed value instead of guessing', () => {
    expect(() => decodeWorkerStart(['--slots=8'])).toThrow(/--credit-window=/);
    expect(() => decodeWorkerStart(['--slots=x', '--credit-window=1'])).toThrow(/--slots=/);
  });
});

describe('a worker keeps its own slots', () => {
  it('a task holds a slot from assign until its end, which frees it before the controller hears of it', async () => {
    let send: (m: FromWorker) => void = () => undefined;
    const got: ToWorker[] = [];
    const seen: number[] = [];
    const worker = new InlineWorker(
      { slots: 2, creditWindow: 1, maxHeldSessions: 0, sessionIdleMs: 5000, guardFrom: 0 },
      (_start, s) => {
        send = s;
        return { handle: (m) => got.push(m), shutdown: async () => undefined };
      },
      (w, m) => {
        if (m.type === 'end') seen.push(w.free);
      },
    );
    const task = { host: { host: 'h' }, steps: [] } as unknown as HostTask;
    worker.assign(1, task);
    worker.assign(2, task);
    expect(worker.free).toBe(0);
    expect(got.map((m) => m.type)).toEqual(['task', 'task']);
    send({ type: 'end', id: 1, end: { ok: true, exitCode: 0, signal: null, durationMs: 1, started: true } });
    await new Promise((r) => setTimeout(r, 0));
    expect(seen).toEqual([1]);
  });
});
