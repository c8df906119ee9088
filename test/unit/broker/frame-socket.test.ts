import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FrameSocket } from '../../../src/broker/frame-socket.js';
import type { FromBroker, ToBroker } from '../../../src/broker/frames.js';

/** A real Unix socket pair: the broker's end as a FrameSocket, the client's raw, to see how bytes arrive. */
async function pair(): Promise<{ sender: FrameSocket<ToBroker, FromBroker>; client: Socket; received: () => Promise<string[]>; close: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-frames-'));
  const path = join(dir, 's.sock');
  let accepted!: (s: Socket) => void;
  const server: Server = createServer((s) => accepted(s));
  await new Promise<void>((r) => server.listen(path, r));
  const serverSide = new Promise<Socket>((r) => (accepted = r));
  const client = connect(path);
  const chunks: Buffer[] = [];
  client.on('data', (c: Buffer) => chunks.push(c));
  const sender = new FrameSocket<ToBroker, FromBroker>(await serverSide, () => undefined, () => undefined);
  const received = async () => {
    await new Promise((r) => setTimeout(r, 50));
    return Buffer.concat(chunks).toString('utf8').trimEnd().split('\n');
  };
  return {
    sender,
    client,
    received,
    close: () => {
      client.destroy();
      sender.socket.destroy();
      server.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe('FrameSocket', () => {
  let close: (() => void) | undefined;
  afterEach(() => close?.());

  it('sends the frames of one turn of the event loop in one write, in order', async () => {
    const p = await pair();
    close = p.close;
    // Writes that reach the socket's implementation (a syscall each): _write for one chunk, _writev for many.
    const socket = p.sender.socket as unknown as Record<'_write' | '_writev', (...args: unknown[]) => void>;
    let writes = 0;
    for (const name of ['_write', '_writev'] as const) {
      const original = socket[name].bind(socket);
      socket[name] = (...args: unknown[]) => (writes++, original(...args));
    }
    for (let id = 1; id <= 200; id++) p.sender.send({ type: 'warning', id, message: `frame ${id}` });
    const lines = await p.received();
    expect(lines).toHaveLength(200);
    expect(lines.map((l) => (JSON.parse(l) as { id: number }).id)).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
    expect(writes).toBe(1);
  });

  it('still holds a sender back while the peer does not read, and lets it go once it does', async () => {
    const p = await pair();
    close = p.close;
    p.client.pause();
    const big = 'x'.repeat(64 * 1024);
    const sleep = (ms: number) => new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms));
    // Until the kernel's buffer is full too: then a send's promise stays pending.
    let held: Promise<void> | undefined;
    for (let id = 1; id <= 400 && !held; id++) {
      const waited = p.sender.send({ type: 'warning', id, message: big });
      if (waited && (await Promise.race([waited.then(() => 'released' as const), sleep(100)])) === 'pending') held = waited;
    }
    expect(held).toBeInstanceOf(Promise);
    let released = false;
    void held!.then(() => (released = true));
    p.client.resume();
    await held;
    expect(released).toBe(true);
  });
});
