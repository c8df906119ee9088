import { describe, expect, it } from 'vitest';
import { batchFailedTooMuch, runInBatches } from '../../../src/runner/controller/batches.js';

describe('rolling batches', () => {
  it("max-fail counts the batch that just ended, as Ansible's max_fail_percentage does", () => {
    const batch = (failed: number, of: number) => Array.from({ length: of }, (_, i) => ({ ok: i >= failed }));
    expect(batchFailedTooMuch(batch(1, 2), 40)).toBe(true);
    expect(batchFailedTooMuch(batch(1, 4), 25)).toBe(false);
    expect(batchFailedTooMuch(batch(1, 4), 0)).toBe(true);
    expect(batchFailedTooMuch(batch(0, 4), 0)).toBe(false);
  });

  it('hosts after a batch that failed too much are skipped, not run; a first small batch is not diluted by the rest', async () => {
    const ran: number[][] = [];
    // 10 hosts in batches of 2, 40%: one failure in the first batch (50%) stops the run. Counted over all 10
    // hosts (10%) it would not have.
    const results = await runInBatches([...Array(10).keys()], {
      size: 2,
      maxFail: 40,
      run: async (b) => {
        ran.push(b);
        return b.map((n) => ({ n, ok: n !== 1, skipped: false }));
      },
      skip: (n, why) => ({ n, ok: false, skipped: true, why }),
    });
    expect(ran).toEqual([[0, 1]]);
    expect(results.map((r) => r.n)).toEqual([...Array(10).keys()]);
    expect(results.filter((r) => r.skipped)).toHaveLength(8);
    expect(results[2]).toMatchObject({ why: 'more than 40% of the hosts of an earlier batch failed (max-fail)' });
  });
});
