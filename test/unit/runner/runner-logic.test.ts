import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { EventQueue } from '../../../src/fleet/event-queue.js';
import { batchSize, maxFailPercent, splitBatches } from '../../../src/runner/controller/batches.js';
import { Credit } from '../../../src/runner/worker/credit.js';
import { LineSplitter, MAX_PARTIAL_LINE } from '../../../src/runner/worker/line-splitter.js';
import { defaultWorkerCount, splitSlots } from '../../../src/runner/controller/pool.js';
import { ResultBuilder } from '../../../src/runner/controller/result-builder.js';

describe('pool shape', () => {
  it('splits the forks limit among workers without losing a slot', () => {
    expect(splitSlots(8, 3)).toEqual([3, 3, 2]);
    expect(splitSlots(64, 2)).toEqual([32, 32]);
    expect(splitSlots(5, 5)).toEqual([1, 1, 1, 1, 1]);
  });

  it('picks workers by run kind: transfers per 8 hosts, capped by cores and forks; commands start inline', () => {
    const cores = availableParallelism();
    expect(defaultWorkerCount(1, 64, 'transfer')).toBe(1);
    expect(defaultWorkerCount(50, 64, 'transfer')).toBe(Math.min(cores, 7));
    expect(defaultWorkerCount(200, 64, 'exec')).toBe(1);
    expect(defaultWorkerCount(1000, 64, 'exec')).toBe(1);
    expect(defaultWorkerCount(5000, 64, 'exec')).toBe(1);
    expect(defaultWorkerCount(5000, 1, 'exec')).toBe(1);
  });
});

describe('LineSplitter', () => {
  const text = (b: Buffer) => b.toString('utf8');

  it('emits only whole lines and holds the rest', () => {
    const s = new LineSplitter();
    expect(text(s.push(Buffer.from('ab')))).toBe('');
    expect(text(s.push(Buffer.from('c\nde')))).toBe('abc\n');
    expect(text(s.push(Buffer.from('f\ng\n')))).toBe('def\ng\n');
    expect(s.flush().length).toBe(0);
  });

  it('passes bytes through untouched, invalid UTF-8 included', () => {
    const s = new LineSplitter();
    const bytes = Buffer.from([0xff, 0xc3, 0x0a, 0x00, 0xe2, 0x82]);
    const out = Buffer.concat([s.push(bytes.subarray(0, 1)), s.push(bytes.subarray(1)), s.flush()]);
    expect(out.equals(bytes)).toBe(true);
  });

  it('sends an endless line in pieces instead of holding it', () => {
    const s = new LineSplitter();
    const out = s.push(Buffer.alloc(MAX_PARTIAL_LINE + 10, 'x'));
    expect(out.length).toBe(MAX_PARTIAL_LINE + 10);
    expect(s.flush().length).toBe(0);
  });

  it('returns the unterminated last line on flush', () => {
    const s = new LineSplitter();
    s.push(Buffer.from('tail'));
    expect(text(s.flush())).toBe('tail');
  });
});

describe('Credit', () => {
  it('lets output through within the window and makes the sender wait past it', async () => {
    const c = new Credit(100);
    expect(c.take(60)).toBeUndefined();
    const waiting = c.take(60);
    expect(waiting).toBeInstanceOf(Promise);
    let released = false;
    void waiting!.then(() => (released = true));
    await Promise.resolve();
    expect(released).toBe(false);
    c.give(60);
    await waiting;
    expect(released).toBe(true);
  });
});

describe('batches', () => {
  it('reads a count or a share of the hosts', () => {
    expect(batchSize(5, 100)).toBe(5);
    expect(batchSize('25%', 10)).toBe(3);
    expect(batchSize('1%', 10)).toBe(1);
    expect(() => batchSize('x', 10)).toThrow(/invalid batch "x"/);
    expect(maxFailPercent('10%')).toBe(10);
    expect(() => maxFailPercent('150')).toThrow(/0 to 100/);
    expect(splitBatches([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
  });
});

describe('ResultBuilder', () => {
  it('caps what it keeps per stream and says so', () => {
    const b = new ResultBuilder('web01', 5);
    b.append('stdout', Buffer.from('abc\n'));
    b.append('stdout', Buffer.from('def\n'));
    b.append('stderr', Buffer.from('e\n'));
    const r = b.build({ ok: true, exitCode: 0, signal: null, durationMs: 3, started: true, worker: 42 });
    expect(r).toMatchObject({ host: 'web01', stdout: 'abc\nd', stderr: 'e\n', truncated: true, worker: 42, ok: true });
    expect(r.invalidUtf8).toBeUndefined();
  });

  it('counts the cap in UTF-8 bytes and never keeps half a character', () => {
    const b = new ResultBuilder('web01', 5);
    b.append('stdout', Buffer.from('ab€c')); // € is 3 bytes: 'ab€' is 5
    b.append('stdout', Buffer.from('d'));
    b.append('stderr', Buffer.from('aéé')); // 5 bytes exactly
    const c = new ResultBuilder('web01', 4);
    c.append('stdout', Buffer.from('ab€'));
    c.append('stdout', Buffer.from('c')); // would fit in the 2 bytes left, but nothing after a cut is kept
    const end = { ok: true, exitCode: 0, signal: null, durationMs: 1, started: true } as const;
    expect(b.build(end)).toMatchObject({ stdout: 'ab€', stderr: 'aéé', truncated: true });
    expect(c.build(end)).toMatchObject({ stdout: 'ab', truncated: true });
  });

  it('keeps a character cut between chunks whole, and names the streams that were not UTF-8', () => {
    const b = new ResultBuilder('web01', 100);
    const e = Buffer.from('é\n');
    expect(b.append('stdout', e.subarray(0, 1))).toBe('');
    expect(b.append('stdout', e.subarray(1))).toBe('é\n');
    b.append('stderr', Buffer.from([0x61, 0xff, 0x0a]));
    b.append('stderr', Buffer.from([0xe2, 0x82])); // a character the stream never finished
    const r = b.build({ ok: true, exitCode: 0, signal: null, durationMs: 1, started: true });
    expect(r.stdout).toBe('é\n');
    expect(r.stderr).toBe('a\ufffd\n\ufffd');
    expect(r.invalidUtf8).toEqual(['stderr']);
  });

  it('rebuilds the error as a FleetError', () => {
    const b = new ResultBuilder('web01', 10);
    const r = b.build({
      ok: false,
      exitCode: null,
      signal: null,
      durationMs: 0,
      started: false,
      error: { code: 'CONNECT', message: 'web01: refused', host: 'web01', details: { reason: 'refused' } },
    });
    expect(r.error?.name).toBe('ConnectError');
    expect(r.error?.details.reason).toBe('refused');
  });
});

describe('EventQueue', () => {
  it('delivers in order and tells the producer when each item was taken', async () => {
    const q = new EventQueue<number>();
    const taken: number[] = [];
    void q.push(1).then(() => taken.push(1));
    void q.push(2).then(() => taken.push(2));
    q.close();
    const seen: number[] = [];
    for await (const n of q) seen.push(n);
    await Promise.resolve();
    expect(seen).toEqual([1, 2]);
    expect(taken).toEqual([1, 2]);
  });
});
