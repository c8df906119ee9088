import { createServer, connect, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDelayProxy, type DelayProxy } from '../../bench/delay-proxy.js';

/** The bench's link shaper against a plain TCP echo server on loopback: what it delays, what it counts. */
describe('delay proxy (bench equipment)', () => {
  let echo: Server;
  let port: number;
  const open: Socket[] = [];

  beforeAll(async () => {
    echo = createServer((s) => s.pipe(s));
    await new Promise<void>((resolve) => echo.listen({ host: '127.0.0.1', port: 0 }, resolve));
    port = (echo.address() as { port: number }).port;
  });
  afterAll(async () => {
    for (const s of open) s.destroy();
    await new Promise((resolve) => echo.close(resolve));
  });

  const dial = (proxy: DelayProxy) =>
    new Promise<Socket>((resolve) => {
      const s = connect({ host: proxy.address, port: proxy.port }, () => resolve(s));
      open.push(s);
    });
  const reply = (s: Socket, bytes: number) =>
    new Promise<Buffer>((resolve) => {
      const parts: Buffer[] = [];
      const on = (d: Buffer) => {
        parts.push(d);
        if (Buffer.concat(parts).length >= bytes) {
          s.off('data', on);
          resolve(Buffer.concat(parts));
        }
      };
      s.on('data', on);
    });

  it('an answer takes at least the round trip, and arrives intact', async () => {
    const proxy = await startDelayProxy({ address: '127.0.0.1', port }, { rttMs: 60 });
    try {
      const s = await dial(proxy);
      const started = performance.now();
      s.write('ping');
      expect((await reply(s, 4)).toString()).toBe('ping');
      expect(performance.now() - started).toBeGreaterThanOrEqual(59);
    } finally {
      await proxy.close();
    }
  });

  it('counts bytes and flights per direction: n request/answer exchanges are n flights each way', async () => {
    const proxy = await startDelayProxy({ address: '127.0.0.1', port }, { rttMs: 4 });
    try {
      const s = await dial(proxy);
      for (let i = 0; i < 3; i++) {
        s.write('abcd');
        await reply(s, 4);
      }
      expect(proxy.stats()).toMatchObject({ connections: 1, up: { bytes: 12, flights: 3 }, down: { bytes: 12, flights: 3 } });
      proxy.resetStats();
      expect(proxy.stats().up.bytes).toBe(0);
    } finally {
      await proxy.close();
    }
  });

  it('a bandwidth cap spaces the bytes out: 64 KiB at 1 MiB/s takes at least 60 ms', async () => {
    const proxy = await startDelayProxy({ address: '127.0.0.1', port }, { rttMs: 0, bytesPerSecond: 1024 * 1024 });
    try {
      const s = await dial(proxy);
      const started = performance.now();
      s.write(Buffer.alloc(64 * 1024, 7));
      // Up and back down: each way is capped.
      expect((await reply(s, 64 * 1024)).length).toBe(64 * 1024);
      expect(performance.now() - started).toBeGreaterThanOrEqual(60);
    } finally {
      await proxy.close();
    }
  });
});
