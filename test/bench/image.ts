import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const script = fileURLToPath(new URL('../../scripts/build-image.sh', import.meta.url));

/** Builds the sshd test image if its recipe changed and returns its tag; a cache hit costs ~30 ms. */
export async function ensureSshdImage(): Promise<string> {
  try {
    const { stdout } = await run('bash', [script], { maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`building the sshd test image failed (scripts/build-image.sh):\n${stderr}`, { cause: err });
  }
}
