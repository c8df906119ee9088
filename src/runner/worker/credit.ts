/**
 * Flow control for output over IPC: the worker may have at most `window` bytes of output that the controller
 * has not consumed yet. Past that, `take` waits, the SSH channel pauses, and the chatty host slows down —
 * memory stays bounded however fast a host prints and however slowly the operator's terminal reads.
 */
export class Credit {
  private available: number;
  private waiters: Array<() => void> = [];

  constructor(readonly window: number) {
    this.available = window;
  }

  /** Resolves at once while credit lasts (returns undefined so callers need not wait at all). */
  take(bytes: number): Promise<void> | undefined {
    this.available -= bytes;
    if (this.available >= 0) return undefined;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  give(bytes: number): void {
    this.available += bytes;
    while (this.available >= 0 && this.waiters.length) this.waiters.shift()!();
  }
}
