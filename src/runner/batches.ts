import { ConfigError } from '../errors.js';

/** `10` or `25%` → a batch size for `count` hosts (Ansible's `serial`); at least 1. */
export function batchSize(spec: number | string, count: number): number {
  const text = String(spec).trim();
  const percent = /^(\d+(?:\.\d+)?)%$/.exec(text);
  const size = percent ? Math.ceil((count * Number(percent[1])) / 100) : Number(text);
  if (!Number.isFinite(size) || size < 0 || (!percent && !/^\d+$/.test(text))) {
    throw new ConfigError(`invalid batch ${JSON.stringify(spec)}: give a number of hosts (10) or a share (25%)`);
  }
  return Math.max(1, size);
}

/** `10` or `10%` → the share of hosts (0–100) that may fail before no new batch starts. */
export function maxFailPercent(spec: number | string): number {
  const text = String(spec).trim().replace(/%$/, '');
  const value = Number(text);
  if (!/^\d+(?:\.\d+)?$/.test(text) || value > 100) {
    throw new ConfigError(`invalid max-fail ${JSON.stringify(spec)}: give a percentage from 0 to 100, such as 10%`);
  }
  return value;
}

export function splitBatches<T>(items: T[], size: number): T[][] {
  const batches: T[][] = [];
  for (let i = 0; i < items.length; i += size) batches.push(items.slice(i, i + size));
  return batches;
}
