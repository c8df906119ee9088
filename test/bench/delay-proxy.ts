import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * Test equipment: a TCP proxy that puts a long link between a client and a bench host. Each direction is
 * delayed by half the round trip and may be capped to a bandwidth (bytes leave at that rate, then travel for
 * the delay). The kernel here has no netem, so this stands in for it. It counts what crosses it per direction,
 * including "flights" — a burst of data in one direction after data went the other way — so tests can count
 * round trips without timing anything.
 */

export interface LinkShape {
  /** Round trip added by the proxy, in ms (half each way). */
  rttMs: number;
  /** Bytes per second per direction; unlimited when absent. */
  bytesPerSecond?: number;
}

export interface DirectionStats {
  bytes: number;
  /** Reads from the sending socket (roughly: the sender's flushes). */
  chunks: number;
  /** Bursts that followed traffic the other way: a sender that waited for an answer starts a new flight. */
  flights: number;
}

export interface LinkStats {
  /** Client to host. */
  up: DirectionStats;
  /** Host to client. */
  down: DirectionStats;
  connections: number;
}

export interface DelayProxy {
  address: string;
  port: number;
  stats(): LinkStats;
  resetStats(): void;
  /** Stops listening and cuts every open connection. */
  close(): Promise<void>;
}

/** Above this much in transit one way, the sender is paused (a finite bottleneck buffer, as on a real link). */
const MAX_IN_TRANSIT = 64 * 1024 * 1024;

interface Pending {
  at: number;
  chunk: Buffer;
}

function emptyStats(): LinkStats {
  const dir = (): DirectionStats => ({ bytes: 0, chunks: 0, flights: 0 });
  return { up: dir(), down: dir(), connections: 0 };
}

/** Moves bytes from `from` to `to`, each chunk arriving at max(link free, now) + serialisation + delay. */
function delayedPipe(from: Socket, to: Socket, shape: LinkShape, onChunk: (bytes: number) => void): void {
  const delay = shape.rttMs / 2;
  const queue: Pending[] = [];
  let queued = 0;
  let linkFreeAt = 0;
  let timer: NodeJS.Timeout | undefined;
  let ended = false;

  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length && queue[0]!.at <= now + 0.5) {
      const { chunk } = queue.shift()!;
      queued -= chunk.length;
      if (!to.destroyed) to.write(chunk);
    }
    if (from.isPaused() && queued < MAX_IN_TRANSIT / 2) from.resume();
    if (queue.length) timer = setTimeout(flush, Math.max(0, queue[0]!.at - performance.now()));
    else if (ended && !to.destroyed) to.end();
  };

  from.on('data', (chunk: Buffer) => {
    onChunk(chunk.length);
    if (delay === 0 && !shape.bytesPerSecond) {
      to.write(chunk);
      return;
    }
    const now = performance.now();
    const sendTime = shape.bytesPerSecond ? (chunk.length / shape.bytesPerSecond) * 1000 : 0;
    linkFreeAt = Math.max(linkFreeAt, now) + sendTime;
    queue.push({ at: linkFreeAt + delay, chunk });
    queued += chunk.length;
    if (queued > MAX_IN_TRANSIT) from.pause();
    if (!timer) timer = setTimeout(flush, Math.max(0, queue[0]!.at - now));
  });
  from.on('end', () => {
    ended = true;
    if (!queue.length && !timer) to.end();
  });
  from.on('close', () => {
    // A reset (not a clean end) travels at once: the test wants to see a dead link, not a late one.
    if (!ended) {
      if (timer) clearTimeout(timer);
      to.destroy();
    }
  });
}

/** Starts a proxy on `listenAddress` (default: the target's address, a free port) in front of `target`. */
export async function startDelayProxy(
  target: { address: string; port: number },
  shape: LinkShape,
  listenAddress = target.address,
): Promise<DelayProxy> {
  let stats = emptyStats();
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    stats.connections++;
    // Flights are per connection: another connection's traffic says nothing about who waits here.
    let last: 'up' | 'down' | undefined;
    const count = (dir: 'up' | 'down') => (bytes: number) => {
      const s = stats[dir];
      s.bytes += bytes;
      s.chunks++;
      if (last !== dir) s.flights++;
      last = dir;
    };
    const upstream = connect({ host: target.address, port: target.port });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.setNoDelay(true);
      s.on('error', () => undefined);
      s.on('close', () => sockets.delete(s));
    }
    delayedPipe(client, upstream, shape, count('up'));
    delayedPipe(upstream, client, shape, count('down'));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: listenAddress, port: 0 }, () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    address: listenAddress,
    port,
    stats: () => structuredClone(stats),
    resetStats: () => {
      stats = emptyStats();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
