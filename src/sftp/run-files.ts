import pLimit from 'p-limit';

/**
 * Runs one task per file, `concurrency` at a time, all sharing the host's one SFTP channel. The first failure
 * cancels the rest (so their temporary files are removed) and is what the caller sees, not the cancellations
 * it caused. A task queued after the stop rejects with the signal's reason without running. Results keep the
 * input order.
 */
export async function forEachFile<T, R>(
  items: readonly T[],
  concurrency: number,
  signal: AbortSignal | undefined,
  task: (item: T, signal: AbortSignal) => Promise<R>,
): Promise<R[]> {
  const stop = new AbortController();
  const onAbort = () => stop.abort(signal?.reason);
  signal?.addEventListener('abort', onAbort, { once: true });
  if (signal?.aborted) onAbort();
  const limit = pLimit(Math.max(1, concurrency));
  let first: { error: unknown } | undefined;
  try {
    const settled = await Promise.allSettled(
      items.map((item) =>
        limit(async () => {
          stop.signal.throwIfAborted();
          try {
            return await task(item, stop.signal);
          } catch (error) {
            // Only the error that stopped the run counts; the ones it caused by cancelling are noise.
            if (!first) {
              first = { error };
              stop.abort(error);
            }
            throw error;
          }
        }),
      ),
    );
    if (first) throw first.error;
    return settled.map((s) => (s as PromiseFulfilledResult<R>).value);
  } finally {
    signal?.removeEventListener('abort', onAbort);
  }
}
