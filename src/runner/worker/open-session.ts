import { cancelledBeforeConnecting } from '../../ssh/error-builders.js';
import { connectOver, SshConnection } from '../../ssh/connect.js';
import type { SshHostOptions } from '../../ssh/options.js';
import type { OpenSession } from './held-sessions.js';

/**
 * How a worker logs in to a host it will hold: over its jump's held session when it has one, so the new
 * connection does not own (and never closes) the jump that other targets ride on too.
 */
export const openSession: OpenSession = async (target, jump, signal, onWarning) => {
  if (signal.aborted) throw cancelledBeforeConnecting(target.host);
  const options = { ...target, onWarning } as SshHostOptions;
  return new SshConnection(target.host, await connectOver(options, jump, signal));
};
