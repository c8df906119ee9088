/**
 * src/cli/render: what the CLI formats for people (lines, gather, progress, JSON, exit codes); pure, no I/O,
 * imports core only. Conventions: a function that renders one line returns it without a newline (the caller
 * adds it as it writes); one that renders a block returns every line newline-terminated, or '' when there is
 * nothing to show.
 */
export { HOST_PALETTE, hostStyle, paint, RESET } from './ansi.js';
export type { Style } from './ansi.js';
export { formatDuration, formatElapsed } from './duration.js';
export { describeExit, splitLines, stripHostPrefix } from './host-message.js';
export { createLineFormatter, STDERR_MARK, STDOUT_MARK } from './text-lines.js';
export type { LineFormatter, LineFormatterOptions } from './text-lines.js';
export { formatGathered, formatGatherHeader, GATHER_RULE, gatherResults } from './gather.js';
export type { GatherError, GatherGroup } from './gather.js';
export { formatFailures, formatSummary } from './summary.js';
export {
  formatJsonReport,
  toJsonHost,
  toJsonReport,
  toJsonSummary,
  toNdjsonEvent,
  toNdjsonObject,
} from './json.js';
export type { JsonError, JsonHost, JsonReport, JsonSummary, NdjsonEvent } from './json.js';
export { CLEAR_LINE, ProgressLine, renderProgress } from './progress.js';
export type { ProgressState } from './progress.js';
export { EXIT, exitCodeFor } from './exit-code.js';
export type { ExitCode } from './exit-code.js';
export { formatBytes } from './bytes.js';
