import type { Bench, BenchHost } from '../bench/hosts.js';
import { writeBenchInventory } from '../bench/inventory.js';

export { until } from '../bench/remote-processes.js';

/** Writes a real fleet inventory for bench hosts (each with its own password), as an operator would. */
export function writeInventory(bench: Bench, hosts: BenchHost[] = bench.hosts): { file: string; dir: string } {
  return writeBenchInventory(bench, { hosts });
}

const SESSION_LOG = '/tmp/fleet-sessions.log';

/**
 * Makes sshd log every SSH login session's open and close with a timestamp (PAM's pam_exec), so a test can
 * count live sessions on the server side. All containers share the machine's clock.
 */
export async function logSessions(hosts: BenchHost[]): Promise<void> {
  const script = `#!/bin/sh\necho "$(date +%s.%N) $PAM_TYPE" >> ${SESSION_LOG}\n`;
  await Promise.all(
    hosts.map(async (h) => {
      const r = await h.exec(
        `printf '%s' '${script}' > /usr/local/bin/fleet-session-log && chmod 755 /usr/local/bin/fleet-session-log && ` +
          `echo 'session optional pam_exec.so /usr/local/bin/fleet-session-log' >> /etc/pam.d/sshd`,
      );
      if (r.exitCode !== 0) throw new Error(`session logging setup failed on ${h.name}: ${r.stderr}`);
    }),
  );
}

export interface SessionEvent {
  host: string;
  at: number;
  type: 'open_session' | 'close_session';
}

/** The events of `log` on every host: PAM's session log by default, or a file of the same form. */
export async function sessionEvents(hosts: BenchHost[], log = SESSION_LOG): Promise<SessionEvent[]> {
  const all = await Promise.all(
    hosts.map(async (h) => {
      const r = await h.exec(`cat ${log} 2>/dev/null || true`);
      return r.stdout
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => {
          const [at, type] = line.split(' ');
          return { host: h.name, at: Number(at), type: type as SessionEvent['type'] };
        });
    }),
  );
  return all.flat().sort((a, b) => a.at - b.at);
}

/** The most sessions open at once, from the server-side log. */
export function maxConcurrent(events: SessionEvent[]): number {
  let live = 0;
  let max = 0;
  for (const e of events) {
    live += e.type === 'open_session' ? 1 : -1;
    max = Math.max(max, live);
  }
  return max;
}

/** Whether a process matching `pattern` runs on the host (write it so it cannot match pgrep's own shell). */
export async function running(h: BenchHost, pattern: string): Promise<boolean> {
  return (await h.exec(`pgrep -f '${pattern}' || true`)).stdout.trim() !== '';
}
