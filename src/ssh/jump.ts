import type { Duplex } from 'node:stream';
import type { FleetError } from '../core/errors.js';
import type { SshConnection } from './ssh-connection.js';
import { jumpCannotForward, viaJumpHost } from './error-builders.js';
import type { SshHostOptions } from './options.js';

/** A TCP channel from the jump host to the target: each connect attempt through a jump needs its own. */
export function forwardThrough(jump: SshConnection, target: SshHostOptions, jumpName: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    jump.client.forwardOut('127.0.0.1', 0, target.address, target.port, (err, stream) => {
      if (err) reject(jumpCannotForward(target, jumpName, err));
      else resolve(stream);
    });
  });
}

/**
 * Connects the jump host of `options` (itself through its own jump, if it has one), its failure told as the
 * target's. `connectHost` is connect() itself, passed in to keep the files from importing each other.
 */
export async function connectJump(
  options: SshHostOptions & { jump: SshHostOptions },
  signal: AbortSignal | undefined,
  connectHost: (options: SshHostOptions, signal?: AbortSignal) => Promise<SshConnection>,
): Promise<SshConnection> {
  const jumpName = options.jump.host;
  return connectHost({ onWarning: options.onWarning, ...options.jump }, signal).catch((err: FleetError) => {
    throw viaJumpHost(options.host, jumpName, err);
  });
}
