/**
 * An async iterable fed by a producer. `push` returns a promise that settles when the consumer has taken the
 * item: the runner waits on it before granting workers more output credit, so a slow `for await` loop slows
 * the hosts down instead of buffering without bound.
 */
export class EventQueue<T> implements AsyncIterable<T> {
  private readonly items: Array<{ value: T; taken: () => void }> = [];
  private waiting: ((r: IteratorResult<T>) => void) | undefined;
  private failWaiting: ((err: unknown) => void) | undefined;
  private ended = false;
  private error: unknown;

  push(value: T): Promise<void> {
    return new Promise((taken) => {
      if (this.waiting) {
        const deliver = this.waiting;
        this.waiting = this.failWaiting = undefined;
        deliver({ value, done: false });
        taken();
      } else this.items.push({ value, taken });
    });
  }

  close(): void {
    this.ended = true;
    this.waiting?.({ value: undefined, done: true });
    this.waiting = this.failWaiting = undefined;
  }

  fail(err: unknown): void {
    this.error = err;
    this.ended = true;
    this.failWaiting?.(err);
    this.waiting = this.failWaiting = undefined;
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        const item = this.items.shift();
        if (item) {
          item.taken();
          return Promise.resolve({ value: item.value, done: false });
        }
        if (this.error !== undefined) return Promise.reject(this.error);
        if (this.ended) return Promise.resolve({ value: undefined, done: true });
        return new Promise((resolve, reject) => {
          this.waiting = resolve;
          this.failWaiting = reject;
        });
      },
    };
  }
}
