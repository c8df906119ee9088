import { AbortError, CommandError, FleetError, TimeoutError, TransferError } from '../../core/errors.js';

/** The wording of the errors a host's job reports itself, beside what ssh/ and sftp/ already raised. */

/** Anything thrown that is not a FleetError yet, as this host's result rather than a crash. */
export function asFleetError(err: unknown, host: string): FleetError {
  if (err instanceof FleetError) return err;
  return new FleetError('COMMAND', `${host}: ${err instanceof Error ? err.message : String(err)}`, { host, cause: err });
}

export function asTransferError(err: unknown, host: string): FleetError {
  return err instanceof FleetError ? err : new TransferError(`${host}: ${String(err)}`, { host, cause: err });
}

export const jobCancelled = (host: string): AbortError => new AbortError(`${host}: cancelled`, { host });

/** A command that ran to its end but did not succeed. */
export function commandFailed(host: string, exitCode: number | null, signal: string | null): CommandError {
  const how = signal ? `was killed by ${signal}` : `exited with ${exitCode}`;
  return new CommandError(`${host}: command ${how}`, { host, exitCode, signal });
}

export function transferTimedOut(host: string, timeoutMs: number | undefined, cause: unknown): TimeoutError {
  return new TimeoutError(`${host}: transfer still running after ${timeoutMs} ms; it was cancelled and its temporary files removed`, {
    host,
    phase: 'transfer',
    timeoutMs,
    cause,
  });
}
