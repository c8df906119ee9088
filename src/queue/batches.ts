import { ConfigError } from '../core/errors.js';
import { encode, type Batch, type QueuedTask } from './wire.js';

export interface EncodedBatch {
  zone: string;
  data: Uint8Array;
}

/** Default hosts per batch: sixteen batches a run, 1 to 256 hosts each. */
export const defaultBatchSize = (hosts: number): number => Math.min(256, Math.max(1, Math.ceil(hosts / 16)));

/**
 * A run's batches, encoded before any is published: per zone, `size` hosts each, halved where one would
 * exceed the server's max_payload (a big --stdin rides in every task). A single host that cannot fit fails
 * the run before anything is published.
 */
export function encodeBatches(run: Batch, size: number, zoneOf: (host: string) => string, maxPayload: number): EncodedBatch[] {
  const byZone = new Map<string, QueuedTask[]>();
  for (const t of run.tasks) {
    const zone = zoneOf(t.host.host);
    byZone.set(zone, [...(byZone.get(zone) ?? []), t]);
  }
  const out: EncodedBatch[] = [];
  const add = (zone: string, tasks: QueuedTask[]): void => {
    const data = encode({ ...run, tasks });
    if (data.length <= maxPayload) return void out.push({ zone, data });
    if (tasks.length === 1) {
      throw new ConfigError(
        `--queue: ${tasks[0]!.host.host}'s task is ${data.length} bytes, more than the queue server's max_payload (${maxPayload}); send less on stdin, or raise max_payload`,
      );
    }
    const half = Math.ceil(tasks.length / 2);
    add(zone, tasks.slice(0, half));
    add(zone, tasks.slice(half));
  };
  for (const [zone, tasks] of byZone) for (let i = 0; i < tasks.length; i += size) add(zone, tasks.slice(i, i + size));
  return out;
}
