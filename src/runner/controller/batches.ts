import { ConfigError } from '../../core/errors.js';
import { BATCH_HINT, MAX_FAIL_HINT, batchSizeOf, parseBatchSpec, parseMaxFailPercent } from '../../core/batch-spec.js';

/** `10` or `25%` → a batch size for `count` hosts (Ansible's `serial`); at least 1. */
export function batchSize(spec: number | string, count: number): number {
  const parsed = parseBatchSpec(spec);
  const size = parsed && batchSizeOf(parsed, count);
  if (size === undefined) throw new ConfigError(`invalid batch ${JSON.stringify(spec)}: give ${BATCH_HINT}`);
  return size;
}

/** `10` or `10%` → the share of hosts (0–100) that may fail before no new batch starts. */
export function maxFailPercent(spec: number | string): number {
  const value = parseMaxFailPercent(spec);
  if (value === undefined) throw new ConfigError(`invalid max-fail ${JSON.stringify(spec)}: give ${MAX_FAIL_HINT}`);
  return value;
}

export function splitBatches<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}

/**
 * Ansible's max_fail_percentage: after each batch, the next one starts only if no more than `limitPercent`
 * of *that batch's* hosts failed (unreachable ones included, as in Ansible). Counting over the whole fleet
 * instead would let a first batch of 5 that all fail pass a 10% limit on 200 hosts.
 */
export function batchFailedTooMuch(batch: readonly { ok: boolean }[], limitPercent: number): boolean {
  if (batch.length === 0) return false;
  const failed = batch.filter((r) => !r.ok).length;
  return (failed / batch.length) * 100 > limitPercent;
}

export interface BatchFlow<T, R> {
  size: number;
  /** Percent; 100 never stops. */
  maxFail: number;
  signal?: AbortSignal;
  run(batch: T[]): Promise<R[]>;
  /** The result of a host that never started, and why it did not. */
  skip(task: T, why: string): R;
}

/** Rolling batches: each starts when the one before has ended, unless it failed too much or the run was cancelled. */
export async function runInBatches<T, R extends { ok: boolean }>(tasks: T[], flow: BatchFlow<T, R>): Promise<R[]> {
  const results: R[] = [];
  let why: string | undefined;
  for (const batch of splitBatches(tasks, flow.size)) {
    if (why === undefined && flow.signal?.aborted) why = 'the run was cancelled';
    if (why !== undefined) {
      for (const task of batch) results.push(flow.skip(task, why));
      continue;
    }
    const done = await flow.run(batch);
    results.push(...done);
    if (batchFailedTooMuch(done, flow.maxFail)) {
      why =
        flow.maxFail === 0
          ? 'a host of an earlier batch failed (fail-fast, max-fail 0%)'
          : `more than ${flow.maxFail}% of the hosts of an earlier batch failed (max-fail)`;
    }
  }
  return results;
}
