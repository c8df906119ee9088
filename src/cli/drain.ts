import { once } from 'node:events';
import type { Writable } from 'node:stream';

const waiting = new WeakMap<Writable, Promise<void>>();

/**
 * Writes and, when the stream's buffer is full, returns a promise that settles at its next 'drain'. Every
 * writer held up by the same stream shares one promise: a listener each would make a busy run (thousands
 * of lines waiting) quadratic. The promise never rejects — a stream that fails is dealt with elsewhere.
 */
export function writeOrWait(stream: Writable, data: string | Uint8Array): Promise<void> | undefined {
  if (stream.write(data)) return undefined;
  let drained = waiting.get(stream);
  if (!drained) {
    drained = once(stream, 'drain').then(
      () => undefined,
      () => undefined,
    );
    waiting.set(stream, drained);
    void drained.then(() => waiting.delete(stream));
  }
  return drained;
}
