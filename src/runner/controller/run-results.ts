import type { HostResult, RunEvent } from '../../core/result.js';
import type { HostEntry } from './host-entry.js';

/** Sends an event to the caller; a promise back means the caller is still taking it (flow control). */
export type Emit = (event: RunEvent) => Promise<void> | undefined;

export function emitter(onEvent: ((event: RunEvent) => void | Promise<void>) | undefined): Emit {
  return (event) => {
    const r = onEvent?.(event);
    return r instanceof Promise ? r : undefined;
  };
}

/** Every host's result in task order, each set exactly once, with the start and end events that go with it. */
export class RunResults {
  private remaining: number;
  private finishRun!: () => void;
  readonly done: Promise<void>;

  constructor(
    private readonly entries: readonly HostEntry[],
    private readonly emit: Emit,
  ) {
    this.remaining = entries.length;
    this.done = new Promise((resolve) => (this.finishRun = resolve));
    if (this.remaining === 0) this.finishRun();
  }

  get complete(): boolean {
    return this.remaining === 0;
  }

  get all(): HostResult[] {
    return this.entries.map((e) => e.result!);
  }

  get unfinished(): HostEntry[] {
    return this.entries.filter((e) => !e.result);
  }

  /** A host's start event, once: when its worker began it, or at its end if it never began. */
  announce(entry: HostEntry): void {
    if (entry.announced) return;
    entry.announced = true;
    void this.emit({ type: 'start', host: entry.builder.host, at: Date.now() });
  }

  finish(entry: HostEntry, result: HostResult): void {
    if (entry.result) return;
    entry.result = result;
    this.announce(entry);
    void this.emit({ type: 'end', host: result.host, result, at: Date.now() });
    if (--this.remaining === 0) this.finishRun();
  }
}
