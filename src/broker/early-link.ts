import { liveBroker, openBroker } from './connect.js';
import type { BrokerLink } from './link.js';

/**
 * The connection a client opened before its first run, to recall what the broker remembers; the first
 * BrokerPool run takes it over (takeEarlyLink). So a CLI run connects once, and on a cold run the broker
 * starts while the CLI parses its inventory. Until it is taken it does not keep the process alive.
 */
let early: Promise<BrokerLink | undefined> | undefined;

export function takeEarlyLink(): Promise<BrokerLink | undefined> | undefined {
  const link = early;
  early = undefined;
  return link;
}

/** Closes a connection nobody took up (a Fleet closed before its first run). */
export function dropEarlyLink(): void {
  void takeEarlyLink()
    ?.then((link) => link?.close())
    .catch(() => undefined);
}

export interface Recalled {
  /** What was remembered under the key; undefined when nothing was, or no broker of this build ran yet. */
  value: unknown;
  /** Gives the broker the value to keep under the key (no answer is awaited). */
  remember(value: unknown): void;
}

/**
 * Asks the running broker what it remembers under `key`. When none of this build runs, one is started
 * (idle time `idleMs`, as the run would) without waiting for it: the caller works the value out meanwhile,
 * and remember() hands it over once the broker listens. A broker that cannot start is the run's to report.
 */
export async function recall(key: string, idleMs: number): Promise<Recalled> {
  dropEarlyLink();
  const live = await liveBroker().catch(() => undefined);
  if (!live) {
    const starting = openBroker(idleMs).then(
      (link) => (link.keepAlive(false), link),
      () => undefined,
    );
    early = starting;
    return { value: undefined, remember: (value) => void starting.then((link) => link?.send({ type: 'remember', key, value })) };
  }
  early = Promise.resolve(live);
  const answer = await live.request({ type: 'recall', key });
  live.keepAlive(false);
  return {
    value: answer?.type === 'recalled' ? answer.value : undefined,
    remember: (value) => live.send({ type: 'remember', key, value }),
  };
}
