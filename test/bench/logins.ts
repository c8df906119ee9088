import type { BenchHost } from './hosts.js';

/** Logins sshd accepted so far, counted on the server (one container per host; at VERBOSE sshd also logs "Accepted key"). */
export async function logins(hosts: readonly BenchHost[]): Promise<number[]> {
  return Promise.all(hosts.map(async (h) => ((await h.logs()).match(/Accepted \S+ for /g) ?? []).length));
}

/** Per host, how many more than before. */
export const delta = (after: number[], before: number[]) => after.map((n, i) => n - before[i]!);
