import { describe, expect, it } from 'vitest';
import { adaptiveWindow, fixedWindow, MIN_ROUND_MS, type CpuClock, type TransferWindow, type WindowBudget } from '../../../src/sftp/window.js';

const KiB = 1024;
const MiB = 1024 * KiB;
const CHUNK = 128 * KiB;
/** Each test its own budget, roomy unless the test is about it. */
const roomy = (): WindowBudget => ({ used: 0, limit: 1024 * MiB });

/** The model's clock (ms), advanced by run(); a machine whose cores are `share` busy. */
let modelNow = 0;
const machine = (share: number): CpuClock => () => ({ busyMs: modelNow * share, totalMs: modelNow });
const idle = machine(0.2);
/** Many transfers on two cores: the machine itself is the busy end. */
const busy = machine(0.95);

/**
 * Acknowledges `total` bytes chunk by chunk on a model link: a file moves min(window / rtt, bandwidth) bytes
 * per ms (a window per round trip until the link is full), and each chunk waits the round trip or, once the
 * window exceeds what the link holds, behind the chunks ahead of it. `stallMs` is added before the given ack,
 * as a scheduler stall on a busy machine would.
 */
function run(w: TransferWindow, total: number, link: { rttMs: number; bytesPerMs: number }, stall?: { atAck: number; ms: number }) {
  let now = 0;
  modelNow = 0;
  const windows: number[] = [];
  for (let i = 0; i * CHUNK < total; i++) {
    const rate = Math.min(w.bytes / link.rttMs, link.bytesPerMs);
    now += CHUNK / rate + (stall && stall.atAck === i ? stall.ms : 0);
    modelNow = now;
    // Little's law: what is in flight, over the rate. The transfer's first chunks find the queue still empty.
    const ahead = Math.min(i + 1, w.bytes / CHUNK) * CHUNK;
    const latency = Math.max(link.rttMs, ahead / link.bytesPerMs);
    w.acked(CHUNK, now, now - latency);
    windows.push(w.bytes);
  }
  return windows;
}

describe('transfer window', () => {
  it('a fixed window never changes', () => {
    const w = fixedWindow(2 * MiB);
    run(w, 100 * MiB, { rttMs: 80, bytesPerMs: 1e9 });
    expect([w.bytes, w.reached]).toEqual([2 * MiB, 2 * MiB]);
  });

  it('on a long link, the machine busy, it doubles up to the cap after two passing rounds each time', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), busy);
    const windows = run(w, 100 * MiB, { rttMs: 20, bytesPerMs: 1e9 });
    expect(w.bytes).toBe(8 * MiB);
    expect(w.reached).toBe(8 * MiB);
    // It got there in steps of two, never skipping one.
    expect([...new Set(windows)]).toEqual([512 * KiB, 1 * MiB, 2 * MiB, 4 * MiB, 8 * MiB]);
  });

  it('on a long link, the machine idle, one far round quadruples it: the cap in under half the acknowledgements', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle);
    const windows = run(w, 100 * MiB, { rttMs: 20, bytesPerMs: 1e9 });
    expect([...new Set(windows)]).toEqual([512 * KiB, 2 * MiB, 8 * MiB]);
    const slow = run(adaptiveWindow(512 * KiB, 8 * MiB, roomy(), busy), 100 * MiB, { rttMs: 20, bytesPerMs: 1e9 });
    expect(windows.indexOf(8 * MiB) * 2).toBeLessThan(slow.indexOf(8 * MiB));
  });

  it('a far round needs every answer to be slow: 5 ms away it still takes two rounds a doubling', () => {
    const windows = run(adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle), 100 * MiB, { rttMs: 5, bytesPerMs: 1e9 });
    expect([...new Set(windows)]).toEqual([512 * KiB, 1 * MiB, 2 * MiB, 4 * MiB, 8 * MiB]);
  });

  it('stops once the link is full and steps back to the last window that paid for itself', () => {
    // 20 ms and 100 MB/s hold 2 MiB: 4 MiB buys nothing more.
    const w = adaptiveWindow(512 * KiB, 64 * MiB, roomy(), busy);
    run(w, 200 * MiB, { rttMs: 20, bytesPerMs: 100_000 });
    expect(w.bytes).toBe(2 * MiB);
    expect(w.reached).toBe(4 * MiB);
    // Quadrupling overshoots to 8 MiB, then goes back to the 2 MiB that did as well.
    const fast = adaptiveWindow(512 * KiB, 64 * MiB, roomy(), idle);
    run(fast, 200 * MiB, { rttMs: 20, bytesPerMs: 100_000 });
    expect([fast.bytes, fast.reached]).toEqual([2 * MiB, 8 * MiB]);
  });

  /** 50 hosts on two cores (bench, issue 17): each file gets a fixed share of the CPU, and its requests wait
   * ~30 ms for it whatever the window, then longer as the window grows (Little's law). */
  function saturated(w: TransferWindow): void {
    const share = (512 * KiB) / 30; // bytes per ms
    modelNow = 0;
    for (let i = 0; i * CHUNK < 10 * MiB; i++) {
      modelNow += CHUNK / share;
      w.acked(CHUNK, modelNow, modelNow - w.bytes / share);
    }
  }

  it('many transfers on a saturated machine: answers are slow as on a link, but a doubling buys nothing', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), busy);
    saturated(w);
    expect(w.bytes).toBe(512 * KiB);
    expect(w.reached).toBe(1 * MiB);
  });

  it('saturated, and the cores idle (sshd starved elsewhere), a far round may quadruple once, and is undone', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle);
    saturated(w);
    expect(w.bytes).toBe(512 * KiB);
    expect(w.reached).toBe(2 * MiB);
  });

  it('next to the host (requests queue at the busy end, not on the link) it never grows', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy());
    run(w, 100 * MiB, { rttMs: 0.1, bytesPerMs: 200_000 });
    expect([w.bytes, w.reached]).toEqual([512 * KiB, 512 * KiB]);
  });

  it('does not judge a round shorter than MIN_ROUND_MS, so it measures more than one scheduler slice', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy());
    // 1 GB/s: a 512 KiB window is acknowledged in 0.5 ms, far inside one round.
    const acks = Math.ceil(MIN_ROUND_MS / (CHUNK / 1_000_000));
    run(w, (acks - 2) * CHUNK, { rttMs: 0.01, bytesPerMs: 1_000_000 });
    expect(w.reached).toBe(512 * KiB);
  });

  it('a stall on a busy machine next to the host does not pass for a gain', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy());
    run(w, 100 * MiB, { rttMs: 0.1, bytesPerMs: 200_000 }, { atAck: 3, ms: 40 });
    expect([w.bytes, w.reached]).toEqual([512 * KiB, 512 * KiB]);
  });

  it('grows only while all windows in the process fit the budget: many transfers at once stay at the start', () => {
    const budget: WindowBudget = { used: 0, limit: 4 * MiB };
    const many = Array.from({ length: 8 }, () => adaptiveWindow(512 * KiB, 4 * MiB, budget, idle));
    for (const w of many) run(w, 20 * MiB, { rttMs: 20, bytesPerMs: 1e9 });
    expect(many.map((w) => w.reached)).toEqual(many.map(() => 512 * KiB));
    for (const w of many) w.close();
    expect(budget.used).toBe(0);
    // Once they are done, one file alone has the room again.
    const alone = adaptiveWindow(512 * KiB, 4 * MiB, budget, idle);
    run(alone, 100 * MiB, { rttMs: 20, bytesPerMs: 1e9 });
    expect(alone.reached).toBe(4 * MiB);
  });

  it('a far OPEN with the cores idle starts the window 4x larger; a near one, or one on busy cores, does not', () => {
    const far = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle);
    far.opened(20, 0.1);
    expect(far.bytes).toBe(2 * MiB);
    const near = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle);
    near.opened(0.5, 0);
    const busyCores = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle);
    busyCores.opened(30, 0.9);
    expect([near.bytes, busyCores.bytes]).toEqual([512 * KiB, 512 * KiB]);
    expect(fixedWindow(512 * KiB).bytes).toBe(512 * KiB);
  });

  it('a slow OPEN next to the host (one stall) costs two rounds, then the window is back at its start', () => {
    const w = adaptiveWindow(512 * KiB, 8 * MiB, roomy(), idle);
    w.opened(40, 0);
    run(w, 100 * MiB, { rttMs: 0.1, bytesPerMs: 200_000 });
    expect([w.bytes, w.reached]).toEqual([512 * KiB, 2 * MiB]);
  });

  it('a far OPEN with no budget left changes nothing', () => {
    const budget: WindowBudget = { used: 0, limit: 1 * MiB };
    const w = adaptiveWindow(512 * KiB, 8 * MiB, budget, idle);
    w.opened(80, 0);
    expect([w.bytes, budget.used]).toEqual([512 * KiB, 512 * KiB]);
  });

  it('starting at the cap it stays there', () => {
    const w = adaptiveWindow(8 * MiB, 8 * MiB, roomy());
    run(w, 50 * MiB, { rttMs: 20, bytesPerMs: 1e9 });
    expect([w.bytes, w.reached]).toEqual([8 * MiB, 8 * MiB]);
  });
});
