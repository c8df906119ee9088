import { readFileSync } from 'node:fs';

/**
 * This process's open-files limit (the soft RLIMIT_NOFILE, what `ulimit -n` set; Node raises the soft limit
 * to the hard one at start-up, so this is what the process really has). Node has no getrlimit: Linux shows
 * it in /proc/self/limits. Elsewhere, or when it is unlimited, undefined — no cap is applied, and a local
 * EMFILE is still never blamed on a host (local-fds.ts).
 */
export function readOpenFilesLimit(procLimits = '/proc/self/limits'): number | undefined {
  let text: string;
  try {
    text = readFileSync(procLimits, 'utf8');
  } catch {
    return undefined;
  }
  const m = /^Max open files\s+(\d+|unlimited)\s/m.exec(text);
  return m && m[1] !== 'unlimited' ? Number(m[1]) : undefined;
}
