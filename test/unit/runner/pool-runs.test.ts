import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerPool } from '../../../src/runner/controller/pool.js';
import type { HostTask } from '../../../src/runner/transport/task.js';

/**
 * The inline worker's task runner is loaded by the first run that needs it (an await before the checks):
 * a second run started meanwhile is still refused, and a closed pool still refuses runs. A port that accepts
 * and says nothing stands in for a host, so the first run stays busy until its connect timeout.
 */
describe('WorkerPool runs, with the inline task runner loaded on first use', () => {
  let silent: Server;
  let port = 0;
  beforeAll(async () => {
    silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    port = (silent.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((r) => silent.close(() => r())));

  const task = (): HostTask => ({
    host: { host: 'h1', address: '127.0.0.1', port, user: 'nobody', agent: false, identityFiles: [], defaultIdentityFiles: [], connectTimeoutMs: 300 },
    steps: [{ kind: 'ping' }],
  });

  it('refuses a second run started while the first loads its runner, and any run once closed', async () => {
    const pool = new WorkerPool(1);
    const first = pool.run([task()]);
    await expect(pool.run([task()])).rejects.toThrow('one run at a time per Fleet');
    const [result] = await first;
    expect(result).toMatchObject({ host: 'h1', ok: false });
    await pool.close();
    await expect(pool.run([task()])).rejects.toThrow('the worker pool is closed');
  });
});
