/**
 * Rolling batches as operators and callers write them (Ansible's `serial` and `max_fail_percentage`): read
 * here once for the CLI's flags and the Fleet's call options, which differ only in the error they throw.
 */

/** A batch: a number of hosts, or a share of them in percent. */
export type BatchSpec = { hosts: number } | { percent: number };

export const BATCH_HINT = 'a number of hosts (10) or a share of them (25%)';
export const MAX_FAIL_HINT = 'a percentage from 0 to 100, such as 10%';

/** `10` → 10 hosts, `25%` → a quarter of them; undefined when it is neither. */
export function parseBatchSpec(spec: number | string): BatchSpec | undefined {
  const text = String(spec).trim();
  const share = /^(\d+(?:\.\d+)?)%$/.exec(text);
  if (share) return { percent: Number(share[1]) };
  return /^\d+$/.test(text) ? { hosts: Number(text) } : undefined;
}

/**
 * Whether a batch means something as given: at least one host, or a share above 0% and at most 100%. The
 * CLI refuses anything else; the API has always taken `0` or `0%` as one host and `150%` as all of them, and
 * still does (batchSize).
 */
export function isSensibleBatch(spec: BatchSpec): boolean {
  return 'percent' in spec ? spec.percent > 0 && spec.percent <= 100 : spec.hosts >= 1;
}

/** The hosts per batch of `count` hosts; at least 1. Undefined when the size is not a finite number. */
export function batchSizeOf(spec: BatchSpec, count: number): number | undefined {
  const size = 'percent' in spec ? Math.ceil((count * spec.percent) / 100) : spec.hosts;
  return Number.isFinite(size) ? Math.max(1, size) : undefined;
}

/** `10` or `10%` → the share of hosts (0–100) that may fail before no new batch starts; undefined if not one. */
export function parseMaxFailPercent(spec: number | string): number | undefined {
  const text = String(spec).trim().replace(/%$/, '');
  const value = Number(text);
  return /^\d+(?:\.\d+)?$/.test(text) && value <= 100 ? value : undefined;
}
