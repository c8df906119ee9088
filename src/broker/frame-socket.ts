import type { Socket } from 'node:net';
import { encodeFrame, FrameReader, type FromBroker, type ToBroker } from './frames.js';

/**
 * One end of a broker connection, either side: frames in, frames out, with the socket's backpressure passed
 * on. A send returns a promise while the peer is not reading, which the run's event emitter awaits — so a
 * slow `| less` slows the hosts' output (credit flow control, as without the broker) instead of filling the
 * broker's memory.
 */
export class FrameSocket<In extends ToBroker | FromBroker, Out extends ToBroker | FromBroker> {
  private drained: Promise<void> | undefined;
  private corked = false;
  closed = false;

  constructor(
    readonly socket: Socket,
    onFrame: (frame: In) => void,
    onClose: () => void,
  ) {
    const reader = new FrameReader<In>(onFrame);
    socket.on('data', (chunk: Buffer) => {
      try {
        reader.push(chunk);
      } catch {
        // Not our protocol (or a bug): nothing sensible can follow on this connection.
        socket.destroy();
      }
    });
    socket.on('close', () => {
      this.closed = true;
      onClose();
    });
    // Its consequence is the close that follows.
    socket.on('error', () => undefined);
  }

  /** While the peer is behind: resolves once the socket has drained (what send() returned then). */
  get waiting(): Promise<void> | undefined {
    return this.drained;
  }

  send(frame: Out): void | Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    this.batch();
    if (this.socket.write(encodeFrame(frame))) return;
    this.drained ??= new Promise<void>((resolve) => {
      const done = () => {
        this.drained = undefined;
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
    return this.drained;
  }

  /**
   * Frames sent in one turn of the event loop leave in one write: a round on 200 hosts is ~600 frames, and a
   * write (and a wake-up of the reader) each cost the broker more CPU than running the hosts' commands did.
   * Flushed once the loop has handled the I/O at hand (setImmediate), so ends arriving together go together.
   */
  private batch(): void {
    if (this.corked) return;
    this.corked = true;
    this.socket.cork();
    setImmediate(() => {
      this.corked = false;
      this.socket.uncork();
    });
  }

  end(): void {
    this.socket.end();
  }
}
