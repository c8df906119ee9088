import type { HostResult, RunEvent } from '../../core/result.js';
import type { HostTask } from '../transport/task.js';

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
  /**
   * false: no `output` events, for a caller that reads only the results (`-o json`, `-b`). The output is
   * still kept in each result up to maxOutputBytes; splitting it into line events was most of the CPU of
   * a run whose hosts print a lot. Default true.
   */
  outputEvents?: boolean;
  onWarning?: (message: string) => void;
}

export const DEFAULT_MAX_OUTPUT_BYTES = 1024 * 1024;

/** What a Fleet runs its calls on: a WorkerPool in this process, or the broker's (broker/client.ts). */
export interface RunPool {
  /** Every task's host has exactly one result, in task order; one run at a time. */
  run(tasks: HostTask[], options?: PoolRunOptions): Promise<HostResult[]>;
  close(): Promise<void>;
}
