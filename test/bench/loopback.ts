import { createServer } from 'node:net';

/** One test host's listening socket: its own loopback address, as distinct hosts in an inventory are. */
export interface Endpoint {
  address: string;
  port: number;
}

function canBind(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

function randomInt(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo));
}

/**
 * Picks `count` free endpoints in 127.0.2.0–127.0.254.255 (all of 127/8 routes to lo on Linux, no set-up
 * needed). Parallel test files each pick a random block and port, and a bind probe rules out collisions.
 */
export async function allocateEndpoints(count: number): Promise<Endpoint[]> {
  const endpoints: Endpoint[] = [];
  const port = randomInt(20_000, 60_000);
  let third = randomInt(2, 255);
  let fourth = 1;
  let misses = 0;
  while (endpoints.length < count) {
    const address = `127.0.${third}.${fourth}`;
    if (await canBind(address, port)) endpoints.push({ address, port });
    else if (++misses > 1000) throw new Error('could not find free loopback endpoints for test hosts');
    if (++fourth > 254) {
      fourth = 1;
      third = third >= 254 ? 2 : third + 1;
    }
  }
  return endpoints;
}
