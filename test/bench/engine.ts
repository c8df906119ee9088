import { getContainerRuntimeClient } from 'testcontainers';

/** Host networking on loopback, and no Ryuk sidecar: it would need a bridge network and a registry pull. */
export function configureTestcontainers(): void {
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= '127.0.0.1';
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
}

/** Fails loudly, never skips: an SSH test without a real sshd proves nothing. */
export async function assertEngine(): Promise<void> {
  configureTestcontainers();
  try {
    await getContainerRuntimeClient();
  } catch (err) {
    throw new Error(
      'No container engine answers, so the SSH tests cannot run against real OpenSSH. ' +
        'Run `bash scripts/ensure-engine.sh` as root (npm test does this first), or start Docker.',
      { cause: err },
    );
  }
}
