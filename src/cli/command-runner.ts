import type { CallOptions, Fleet } from '../fleet/fleet.js';
import type { ExitCode } from './render/index.js';
import type { RunReport } from '../core/report.js';
import { openFleet } from './open-fleet.js';
import { checkIdentityFiles } from './preflight.js';
import type { CommonOptions } from './options.js';
import { runCall } from './run-call.js';
import type { CallKind } from './sinks/sink.js';
import { Terminal } from './terminal.js';

/**
 * What exec, script, put, get and ping share: check what is local, open the Fleet the flags describe, run
 * one call with the chosen output, always close the Fleet (its workers), and give back the exit code.
 */
export async function runCommand(
  options: CommonOptions,
  kind: CallKind,
  call: (fleet: Fleet, callOptions: CallOptions) => Promise<RunReport>,
  /** Local work after the inventory and selection are known good and before any host is touched. */
  prepare?: (fleet: Fleet) => Promise<void>,
): Promise<ExitCode> {
  await checkIdentityFiles(options.identity);
  const terminal = new Terminal({ progress: options.progress, ...(options.color !== undefined ? { color: options.color } : {}) });
  const fleet = await openFleet(options, (message) => terminal.message(`warning: ${message}`));
  try {
    await prepare?.(fleet);
    return await runCall(fleet, terminal, options, kind, (callOptions) => call(fleet, callOptions));
  } finally {
    await fleet.close();
    await terminal.flush();
  }
}
