import { describe, expect, it } from 'vitest';
import { Affinity } from '../../../src/runner/controller/affinity.js';
import { Dispatcher } from '../../../src/runner/controller/dispatcher.js';
import { hostEntry } from '../../../src/runner/controller/host-entry.js';
import { SCALE_OUT, shouldScaleOut } from '../../../src/runner/controller/scale-out.js';
import type { PoolWorker } from '../../../src/runner/transport/pool-worker.js';
import { SlottedWorker } from '../../../src/runner/transport/slotted-worker.js';
import type { ToWorker } from '../../../src/runner/transport/protocol.js';
import type { HostTask } from '../../../src/runner/transport/task.js';

describe('scale-out rule: fork workers when the controller is what limits the run', () => {
  const base = { busy: 0.95, cpuMs: 300, started: 100, waiting: 900, relayMs: 0 };

  it('forks when the loop is busy and the waiting hosts still need a second of CPU', () => {
    // 3 ms a host so far, 900 waiting: 2.7 s of one core still to come.
    expect(shouldScaleOut(base)).toBe(true);
  });

  it('does not when the loop has time to spare: the link or the servers are what limit the run', () => {
    expect(shouldScaleOut({ ...base, busy: 0.6 })).toBe(false);
  });

  it('does not when what is left is too little to pay for a worker start', () => {
    // 3 ms × 100 waiting = 0.3 s: less than SCALE_OUT.minRemainingCpuMs.
    expect(shouldScaleOut({ ...base, waiting: 100 })).toBe(false);
    expect(shouldScaleOut({ ...base, waiting: 0 })).toBe(false);
  });

  it('does not when the CPU goes to the hosts\' output, which stays in the controller (and costs IPC more)', () => {
    // 3 ms a host, 1 of them relaying output: 1 ms a host could move, 0.9 s for the 900 waiting.
    expect(shouldScaleOut({ ...base, relayMs: 100 })).toBe(false);
    expect(shouldScaleOut({ ...base, relayMs: 20 })).toBe(true);
  });

  it('does not guess before a host has started', () => {
    expect(shouldScaleOut({ ...base, started: 0 })).toBe(false);
  });

  it('takes its thresholds from the rule given', () => {
    expect(shouldScaleOut({ ...base, busy: 0.6 }, { ...SCALE_OUT, busyShare: 0.5 })).toBe(true);
    expect(shouldScaleOut({ ...base, waiting: 100 }, { ...SCALE_OUT, minRemainingCpuMs: 100 })).toBe(true);
  });
});

class FakeWorker extends SlottedWorker implements PoolWorker {
  readonly exited = false;
  readonly pid = undefined;
  readonly posted: number[] = [];
  protected post(m: ToWorker): void {
    if (m.type === 'task') this.posted.push(m.id);
  }
  end(id: number): void {
    this.received({ type: 'end', id } as never);
  }
  async stop(): Promise<void> {}
}

const task = (i: number): HostTask => ({ host: { host: `h${i}` } as HostTask['host'], steps: [] });

describe('dispatcher: forks bounds hosts at once across workers, also right after a resize', () => {
  it('keeps a new worker from starting hosts while the old one still runs more than its share', () => {
    const entries = Array.from({ length: 10 }, (_, i) => hostEntry(task(i), 1024));
    const d = new Dispatcher(entries, new Affinity(), 4);
    const old = new FakeWorker(4);
    d.dispatch([old]);
    expect(old.busy).toBe(4);
    // Scale-out: the old worker keeps 2 of the 4 slots, a new one gets 2.
    old.resize(2);
    const added = new FakeWorker(2);
    d.dispatch([old, added]);
    expect(added.busy).toBe(0);
    old.end(old.posted[0]!);
    d.dispatch([old, added]);
    expect(old.busy + added.busy).toBe(4);
    expect(added.busy).toBe(1);
    expect(old.free).toBe(0);
  });
});
