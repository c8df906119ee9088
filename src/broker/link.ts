import type { Socket } from 'node:net';
import type { FromBroker, ToBroker } from './frames.js';
import { FrameSocket } from './frame-socket.js';

type RunFrame = Extract<FromBroker, { id: number }>;
type Answer = Exclude<FromBroker, RunFrame>;

/** What a run does with its frames; `closed`: the broker went away before the run's result. */
export interface RunHandler {
  frame(frame: RunFrame): void | Promise<void>;
  closed(): void | Promise<void>;
}

/** Frames queued for a slow onEvent beyond this: the socket is paused, so the broker's sends wait (backpressure). */
const HIGH_WATER = 256;

/**
 * The client's connection to the broker: run frames go to their run, in order, one at a time (an awaited
 * onEvent holds the next); answers (hello, sessions, stopped) go to the request waiting for them.
 */
export class BrokerLink {
  private readonly io: FrameSocket<FromBroker, ToBroker>;
  private readonly runs = new Map<number, RunHandler>();
  private readonly waiting: ((answer: Answer | undefined) => void)[] = [];
  private chain: Promise<void> = Promise.resolve();
  private backlog = 0;
  /** The broker's pid, from its hello. */
  pid: number | undefined;
  readonly whenClosed: Promise<void>;

  constructor(socket: Socket) {
    let closed!: () => void;
    this.whenClosed = new Promise((resolve) => (closed = resolve));
    this.io = new FrameSocket<FromBroker, ToBroker>(socket, (f) => this.onFrame(f), () => (this.onClose(), closed()));
  }

  get closed(): boolean {
    return this.io.closed;
  }

  private later(work: () => void | Promise<void>): void {
    if (++this.backlog > HIGH_WATER) this.io.socket.pause();
    this.chain = this.chain
      .then(work)
      .catch(() => undefined)
      .finally(() => {
        if (--this.backlog < HIGH_WATER / 4) this.io.socket.resume();
      });
  }

  private onFrame(frame: FromBroker): void {
    if (!('id' in frame)) return this.waiting.shift()?.(frame);
    const run = this.runs.get(frame.id);
    if (run) this.later(() => run.frame(frame));
  }

  private onClose(): void {
    for (const w of this.waiting.splice(0)) w(undefined);
    for (const run of this.runs.values()) this.later(() => run.closed());
    this.runs.clear();
  }

  send(frame: ToBroker): void {
    void this.io.send(frame);
  }

  /** Sends and waits for the broker's answer; undefined when the connection closed first. */
  request(frame: ToBroker): Promise<Answer | undefined> {
    if (this.closed) return Promise.resolve(undefined);
    const answer = new Promise<Answer | undefined>((resolve) => this.waiting.push(resolve));
    this.send(frame);
    return answer;
  }

  startRun(id: number, handler: RunHandler): void {
    this.runs.set(id, handler);
  }

  endRun(id: number): void {
    this.runs.delete(id);
  }

  /** Whether this connection keeps the process alive; one nobody has taken up yet must not (client.ts). */
  keepAlive(on: boolean): void {
    if (on) this.io.socket.ref();
    else this.io.socket.unref();
  }

  close(): void {
    this.io.end();
  }
}
