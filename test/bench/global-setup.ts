import { randomBytes } from 'node:crypto';
import { getContainerRuntimeClient } from 'testcontainers';
import { assertEngine } from './engine.js';
import { ensureSshdImage } from './image.js';

/**
 * Runs once before the SSH test files: the engine must answer (else the suite fails, it never skips) and the
 * image is built here, once, rather than by parallel test files racing to build it.
 */
export async function setup(): Promise<() => Promise<void>> {
  await assertEngine();
  await ensureSshdImage();
  const session = randomBytes(6).toString('hex');
  process.env.FLEET_BENCH_SESSION = session;
  // Safety net for a test file that crashed before its own teardown: no container of this run outlives it.
  return async () => {
    const client = await getContainerRuntimeClient();
    const left = await client.container.list();
    await Promise.all(
      left
        .filter((c) => c.Labels?.['fleet.bench.session'] === session)
        .map((c) => client.container.getById(c.Id).remove({ force: true }).catch(() => undefined)),
    );
  };
}
