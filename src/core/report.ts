import { outcomeOf, summarize, type HostResult, type RunSummary } from './result.js';

/** What exec/put/get return: every selected host exactly once, in selection order. */
export class RunReport {
  readonly results: readonly HostResult[];
  readonly summary: RunSummary;
  /** The run was cancelled (AbortSignal or SIGINT) before every host finished. */
  readonly interrupted: boolean;
  private readonly byHost: Map<string, HostResult>;

  constructor(results: HostResult[], durationMs: number, interrupted = false) {
    this.results = results;
    this.summary = summarize(results, durationMs);
    this.interrupted = interrupted;
    this.byHost = new Map(results.map((r) => [r.host, r]));
  }

  get ok(): boolean {
    return this.results.every((r) => r.ok);
  }

  /** Hosts where a command or transfer failed (not counting unreachable ones). */
  get failed(): HostResult[] {
    return this.results.filter((r) => outcomeOf(r) === 'failed');
  }

  /** Hosts that could not be reached, refused auth or the host key, or timed out. */
  get unreachable(): HostResult[] {
    return this.results.filter((r) => outcomeOf(r) === 'unreachable');
  }

  get(host: string): HostResult | undefined {
    return this.byHost.get(host);
  }
}
