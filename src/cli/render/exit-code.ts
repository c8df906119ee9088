import type { RunSummary } from '../../core/result.js';

/** DESIGN.md §4's exit codes. USAGE is the CLI's own (bad options, bad inventory) and never comes from a run. */
export const EXIT = {
  OK: 0,
  FAILED: 1,
  USAGE: 2,
  UNREACHABLE: 3,
  /** Stopped by SIGINT, SIGTERM or SIGHUP: 128 + the signal's number, as shells report it. */
  INTERRUPTED: 130,
  TERMINATED: 143,
  HANGUP: 129,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * How a run ends: interrupted beats everything, since partial results say nothing about the rest; then any
 * unreachable host (connect failure or timeout, auth, host key — see `outcomeOf`), because that is a fleet
 * problem a script must not mistake for a command that merely failed; then any failure (a non-zero exit, a
 * failed transfer, a command or transfer that outlived its timeout); else 0.
 */
export function exitCodeFor(summary: RunSummary, options: { interrupted?: boolean } = {}): ExitCode {
  if (options.interrupted) return EXIT.INTERRUPTED;
  if (summary.unreachable > 0) return EXIT.UNREACHABLE;
  if (summary.failed > 0 || summary.skipped > 0) return EXIT.FAILED;
  return EXIT.OK;
}
