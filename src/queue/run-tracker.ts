import { AbortError, ConnectError, WorkerCrashError, type FleetError } from '../core/errors.js';
import type { HostResult, RunEvent } from '../core/result.js';
import { LIVENESS_MS } from './connection.js';
import { fromWireEvent, type Heartbeat, type WireEvent } from './wire.js';

type HostState = { state: 'pending'; zone: string } | { state: 'claimed'; agent: string } | { state: 'ended' };

/**
 * The submitter's view of a run: which hosts are waiting, claimed by which agent, or ended. Every host ends
 * exactly once: by its agent's end event, or here (its agent died, nobody took it, the run was cancelled).
 */
export class RunTracker {
  private readonly hosts = new Map<string, HostState>();
  private readonly results = new Map<string, HostResult>();
  private readonly seen = new Map<string, Heartbeat>();
  private readonly startedAt = Date.now();
  private resumedAt = this.startedAt;
  private offline = false;
  private resolveDone!: () => void;
  readonly done = new Promise<void>((r) => (this.resolveDone = r));

  constructor(
    hosts: readonly { name: string; zone: string }[],
    private readonly onEvent: ((e: RunEvent) => void | Promise<void>) | undefined,
  ) {
    for (const h of hosts) this.hosts.set(h.name, { state: 'pending', zone: h.zone });
    if (hosts.length === 0) this.resolveDone();
  }

  heartbeat(beat: Heartbeat): void {
    this.seen.set(beat.name, { ...beat, at: Date.now() });
  }

  /**
   * The submitter is cut off from the server: no heartbeat can reach it, which says nothing of the agents.
   * Nobody is judged dead until it is back (`resume`), and then each agent gets a fresh liveness window.
   */
  pause(): void {
    this.offline = true;
  }

  resume(now = Date.now()): void {
    this.offline = false;
    for (const [name, beat] of this.seen) this.seen.set(name, { ...beat, at: now });
    this.resumedAt = now;
  }

  /** An agent's claim, from the claims bucket (so it is never lost, unlike an event). */
  claim(host: string, agent: string): void {
    const state = this.hosts.get(host);
    if (state?.state === 'pending') this.hosts.set(host, { state: 'claimed', agent });
  }

  event(e: WireEvent): void {
    const state = this.hosts.get(e.host);
    if (!state || state.state === 'ended') return;
    if (state.state === 'pending') this.hosts.set(e.host, { state: 'claimed', agent: e.agent });
    const event = fromWireEvent(e);
    if (event.type === 'end') this.end(event.result);
    else void this.onEvent?.(event);
  }

  /** Hosts nobody claimed yet (the submitter may claim them itself, to end them). */
  pending(): string[] {
    return [...this.hosts].filter(([, s]) => s.state === 'pending').map(([h]) => h);
  }

  /** A claimed host whose agent has gone silent: it never comes back, and is not run again. */
  checkAgents(now = Date.now()): void {
    if (this.offline) return;
    for (const [host, s] of this.hosts) {
      if (s.state !== 'claimed') continue;
      const last = this.seen.get(s.agent)?.at ?? this.resumedAt;
      if (now - last > LIVENESS_MS) {
        const error = new WorkerCrashError(`${host}: agent ${s.agent} stopped answering while it ran this host; it is not run again`, { host });
        this.end(failed(host, error, s.agent));
      }
    }
  }

  /** Whether some live agent serves this zone (heard from within the liveness window). */
  zoneServed(zone: string, now = Date.now()): boolean {
    if (this.offline || now - this.resumedAt <= LIVENESS_MS) return true;
    return [...this.seen.values()].some((b) => b.zone === zone && now - b.at <= LIVENESS_MS);
  }

  zoneOf(host: string): string | undefined {
    const s = this.hosts.get(host);
    return s?.state === 'pending' ? s.zone : undefined;
  }

  get age(): number {
    return Date.now() - this.startedAt;
  }

  /** Ends a host the submitter claimed itself: nobody took it, or the run was cancelled before it started. */
  endUnstarted(host: string, why: 'cancelled' | 'deadline' | 'no-agent'): void {
    const zone = this.zoneOf(host) ?? 'default';
    const error =
      why === 'cancelled'
        ? new AbortError(`${host}: cancelled`, { host })
        : new ConnectError(
            why === 'deadline' ? `${host}: no agent took this host before the deadline (zone ${zone})` : `${host}: no agent is serving zone ${zone}; start one with fleet agent --zone ${zone}`,
            { host },
          );
    this.end(failed(host, error));
  }

  private end(result: HostResult): void {
    this.hosts.set(result.host, { state: 'ended' });
    this.results.set(result.host, result);
    void this.onEvent?.({ type: 'end', host: result.host, result, at: Date.now() });
    if ([...this.hosts.values()].every((s) => s.state === 'ended')) this.resolveDone();
  }

  resultsIn(order: readonly string[]): HostResult[] {
    return order.map((h) => this.results.get(h)!);
  }
}

function failed(host: string, error: FleetError, agent?: string): HostResult {
  return { host, ok: false, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 0, error, ...(agent ? { agent } : {}) };
}
