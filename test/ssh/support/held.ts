import type { SshConnection } from '../../../src/ssh/connect.js';
import { runRemoteCommand } from '../../../src/ssh/exec.js';

/**
 * Runs `line` on `c` until its output includes `needle`: a held connection's guard and runner start at its
 * eighth command and take a moment to be ready.
 */
export async function runUntilOutput(c: SshConnection, line: string, needle: string, what: string): Promise<void> {
  for (let i = 0; i < 50; i++) {
    if ((await runRemoteCommand(c, line)).stdout.toString().includes(needle)) return;
    await new Promise((res) => setTimeout(res, 50));
  }
  throw new Error(`${what}: no command's output had ${JSON.stringify(needle)}`);
}
