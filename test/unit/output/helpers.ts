import type { FleetError } from '../../../src/core/errors.js';
import type { HostResult } from '../../../src/core/result.js';

/** A HostResult with sensible defaults: ok, exit 0, no output. */
export function result(host: string, overrides: Partial<HostResult> = {}): HostResult {
  const base: HostResult = {
    host,
    ok: true,
    exitCode: 0,
    signal: null,
    stdout: '',
    stderr: '',
    truncated: false,
    durationMs: 100,
  };
  return { ...base, ...overrides };
}

/** A host that never ran its command. */
export function unreachable(host: string, error: FleetError): HostResult {
  return result(host, { ok: false, exitCode: null, error });
}
