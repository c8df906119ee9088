import { describe, expect, it } from 'vitest';
import { encodeBatches, defaultBatchSize } from '../../../src/queue/batches.js';
import { isPrivateConnection, parseQueue } from '../../../src/queue/queue-url.js';
import { decode, type Batch, type QueuedTask } from '../../../src/queue/wire.js';

const task = (host: string, stdin = ''): QueuedTask => ({
  host: { host, address: host, port: 22, user: 'ops', secrets: {}, agent: false },
  steps: [{ kind: 'exec', command: 'cat', ...(stdin ? { stdin } : {}) }],
});
const run = (tasks: QueuedTask[]): Batch => ({ runId: 'r1', tasks, retry: 0 });
const hostsOf = (data: Uint8Array) => decode<Batch>(data).tasks.map((t) => t.host.host);

describe('queue batches', () => {
  it('per zone, `size` hosts each; the default is sixteen batches a run, 1 to 256 hosts', () => {
    const zones: Record<string, string> = { a1: 'a', a2: 'a', a3: 'a' };
    const out = encodeBatches(run(['a1', 'd1', 'a2', 'd2', 'a3'].map((h) => task(h))), 2, (h) => zones[h] ?? 'default', 1 << 20);
    expect(out.map((b) => [b.zone, hostsOf(b.data)])).toEqual([
      ['a', ['a1', 'a2']],
      ['a', ['a3']],
      ['default', ['d1', 'd2']],
    ]);
    expect([defaultBatchSize(5), defaultBatchSize(1000), defaultBatchSize(100_000)]).toEqual([1, 63, 256]);
  });

  it('a batch over max_payload is halved; a single host over it is refused before anything is published', () => {
    const big = 'x'.repeat(3000);
    const out = encodeBatches(run(['h1', 'h2', 'h3', 'h4'].map((h) => task(h, big))), 4, () => 'default', 7000);
    expect(out.map((b) => hostsOf(b.data))).toEqual([['h1', 'h2'], ['h3', 'h4']]);
    expect(() => encodeBatches(run([task('h1', 'x'.repeat(9000))]), 4, () => 'default', 7000)).toThrow(/h1's task is \d+ bytes, more than the queue server's max_payload \(7000\)/);
  });

  it('a literal secret may cross only TLS with credentials', () => {
    expect(isPrivateConnection(parseQueue('nats://u:p@q:4222'))).toBe(false);
    expect(isPrivateConnection(parseQueue('tls://q:4222'))).toBe(false);
    expect(isPrivateConnection(parseQueue('tls://u:p@q:4222'))).toBe(true);
    expect(isPrivateConnection(parseQueue({ url: 'tls://q:4222', credsFile: '/x.creds' }))).toBe(true);
    expect(() => parseQueue('http://q')).toThrow(/nats:\/\/ or tls:\/\//);
  });
});
