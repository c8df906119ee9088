import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConnectError, HostKeyError } from '../../../src/core/errors.js';
import { fdsNeeded, fdsPerHost, fitToOpenFiles, forksWithin, PROCESS_FDS, type FdBudget } from '../../../src/runner/controller/fd-budget.js';
import { readOpenFilesLimit } from '../../../src/runner/controller/fd-limit.js';
import { isOutOfFds, retryOnLocalFds } from '../../../src/runner/worker/local-fds.js';
import type { HostTask } from '../../../src/runner/transport/task.js';

const task = (jumps: number, kind: 'exec' | 'put' = 'exec'): HostTask => {
  let host = { host: 'h', address: 'h', port: 22, user: 'u' } as HostTask['host'];
  for (let i = 0; i < jumps; i++) host = { ...host, jump: { host: `j${i}`, address: `j${i}`, port: 22, user: 'u' } as HostTask['host'] };
  const step = kind === 'exec' ? { kind, command: 'true' } : { kind, local: ['a'], remote: '/tmp/' };
  return { host, steps: [step] };
};

describe('open-files budget', () => {
  it('counts a socket and one file per connection in the chain, and the local file of a transfer', () => {
    expect(fdsPerHost([task(0)])).toBe(2);
    expect(fdsPerHost([task(0), task(1)])).toBe(4);
    expect(fdsPerHost([task(0, 'put')])).toBe(3);
  });

  it('fits hosts in the controller, or in each worker and the controller holding the caller files', () => {
    const b: FdBudget = { limit: 64, forks: 100, workers: 0, perHost: 2, callerPerHost: 0 };
    expect(forksWithin(b)).toBe(16);
    expect(forksWithin({ ...b, callerPerHost: 2 })).toBe(8);
    expect(forksWithin({ ...b, workers: 2 })).toBe(32);
    expect(forksWithin({ ...b, workers: 2, callerPerHost: 2 })).toBe(15);
    expect(forksWithin({ ...b, forks: 10 })).toBe(10);
    expect(forksWithin({ ...b, limit: 10 })).toBe(1);
    // What it would take is what the advice says, and that much is enough.
    for (const x of [b, { ...b, workers: 2, callerPerHost: 2 }]) expect(forksWithin({ ...x, limit: fdsNeeded(x) })).toBe(100);
    expect(fdsNeeded(b)).toBe(PROCESS_FDS + 200);
  });

  it('lowers forks with one warning naming the limit and a `ulimit -n` that is enough, and leaves it alone otherwise', () => {
    const fit = fitToOpenFiles(300, 0, [task(0)], 0, 256);
    expect(fit.forks).toBe(112);
    expect(fit.warning).toBe(
      'the open-files limit (ulimit -n) is 256: running at most 112 hosts at once instead of 300; to run 300 at once, raise it first, e.g. `ulimit -n 632` (or lower -f to hide this warning)',
    );
    expect(fitToOpenFiles(64, 0, [task(0)], 0, 1024)).toEqual({ forks: 64 });
  });

  it('reads the soft limit from /proc/self/limits, and nothing where there is none', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-limits-'));
    try {
      const file = join(dir, 'limits');
      writeFileSync(file, 'Limit                     Soft Limit           Hard Limit           Units\nMax open files            256                  4096                 files\n');
      expect(readOpenFilesLimit(file)).toBe(256);
      writeFileSync(file, 'Max open files            unlimited            unlimited            files\n');
      expect(readOpenFilesLimit(file)).toBeUndefined();
      expect(readOpenFilesLimit(join(dir, 'missing'))).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    if (process.platform === 'linux') expect(readOpenFilesLimit()).toBeGreaterThan(0);
  });
});

describe('a local EMFILE is not the host', () => {
  const emfile = Object.assign(new Error("EMFILE: too many open files, open '/x/known_hosts'"), { code: 'EMFILE' });

  it('is found in the cause chain of whatever ssh/ made of it', () => {
    expect(isOutOfFds(new HostKeyError('h: cannot read known_hosts', { cause: emfile }))).toBe(true);
    expect(isOutOfFds(new ConnectError('h: connection to a failed: connect EMFILE 127.0.0.1:22 - Local'))).toBe(true);
    expect(isOutOfFds(new ConnectError('h: connection refused', { cause: Object.assign(new Error('x'), { code: 'ECONNREFUSED' }) }))).toBe(false);
  });

  it('is waited out and the open tried again; past the budget the host fails as LOCAL, never as the host', async () => {
    let calls = 0;
    const flaky = async () => {
      if (++calls < 3) throw new HostKeyError('h: cannot read known_hosts', { cause: emfile });
      return 'conn';
    };
    await expect(retryOnLocalFds('h', 10_000, new AbortController().signal, flaky)).resolves.toBe('conn');
    expect(calls).toBe(3);
    const never = () => Promise.reject(new ConnectError('h: connect EMFILE'));
    await expect(retryOnLocalFds('h', 100, new AbortController().signal, never)).rejects.toMatchObject({ code: 'LOCAL', host: 'h' });
    const refused = new ConnectError('h: connection refused');
    await expect(retryOnLocalFds('h', 10_000, new AbortController().signal, () => Promise.reject(refused))).rejects.toBe(refused);
  });
});
