import { readdirSync, readFileSync } from 'node:fs';
import type { BenchHost } from './hosts.js';

/** One host per container: a container's processes are seen from any of the hosts it serves. */
export function containersOf(hosts: readonly BenchHost[]): BenchHost[] {
  const seen = new Map<string, BenchHost>();
  for (const h of hosts) if (!seen.has(h.containerId)) seen.set(h.containerId, h);
  return [...seen.values()];
}

/** Sums a counting command (`pgrep -c …`, `… | grep -c …`) run once in every container of `hosts`. */
export async function countOnHosts(hosts: readonly BenchHost[], command: string): Promise<number> {
  const counts = await Promise.all(containersOf(hosts).map(async (h) => (await h.exec(`${command} || true`)).stdout.trim()));
  return counts.reduce((sum, n) => sum + Number(n || 0), 0);
}

/** Processes on the hosts whose command line matches `pattern` (an extended regex, e.g. `^sleep 41$`). */
export function processesMatching(hosts: readonly BenchHost[], pattern: string): Promise<number> {
  return countOnHosts(hosts, `pgrep -c -f '${pattern}'`);
}

/** Polls `check` every 100 ms until it holds or `ms` pass; says which. */
export async function until(check: () => Promise<boolean> | boolean, ms = 8_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return check();
}

/** A local process (a broker, a worker) still exists. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Local processes whose command line contains `command` and whose environment has `NAME=value` `env`: the
 * brokers a test started (with its own XDG_RUNTIME_DIR), never the machine's own, so teardown kills by pid.
 */
export function localProcessesWith(command: string, env: string): number[] {
  return readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .filter((pid) => {
      try {
        return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(command) && readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0').includes(env);
      } catch {
        return false;
      }
    })
    .map(Number);
}
