import type { RunEvent } from '../../core/result.js';

/** One WorkerPool.run call's options (not the CLI's RunOptions, which are flags). */
export interface PoolRunOptions {
  signal?: AbortSignal;
  /** The whole run ends by then: unfinished hosts are reported as TimeoutError. */
  deadlineMs?: number;
  /** Output kept per host and stream in the result; everything is still streamed as events. */
  maxOutputBytes?: number;
  /** Hosts whose connection failed are tried again this many times. */
  retry?: number;
  onEvent?: (event: RunEvent) => void | Promise<void>;
  onWarning?: (message: string) => void;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;
