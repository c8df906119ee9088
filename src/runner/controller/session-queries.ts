import type { HeldSessionInfo } from '../transport/protocol.js';
import type { PoolWorker } from '../transport/pool-worker.js';

/** A worker that does not answer in this long (busy with a large transfer's callbacks, dying) counts as none. */
const ANSWER_MS = 2_000;

/**
 * Asks each worker which sessions it holds, so `fleet sessions` shows what is really held (a session the
 * server closed is gone from the answer), not what the controller remembers having asked for.
 */
export class SessionQueries {
  private readonly waiting = new Map<number, (sessions: HeldSessionInfo[]) => void>();
  private nextId = 0;

  async ask(workers: readonly PoolWorker[]): Promise<HeldSessionInfo[]> {
    const answers = workers
      .filter((w) => !w.exited)
      .map(
        (w) =>
          new Promise<HeldSessionInfo[]>((resolve) => {
            const id = ++this.nextId;
            const timer = setTimeout(() => this.answered(id, []), ANSWER_MS);
            this.waiting.set(id, (sessions) => (clearTimeout(timer), resolve(sessions)));
            w.send({ type: 'sessions', id });
          }),
      );
    return (await Promise.all(answers)).flat();
  }

  answered(id: number, sessions: HeldSessionInfo[]): void {
    const resolve = this.waiting.get(id);
    this.waiting.delete(id);
    resolve?.(sessions);
  }
}
