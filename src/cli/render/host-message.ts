import type { HostResult } from '../../core/result.js';

/**
 * Error messages name their host (`web03: host key changed …`, DESIGN.md §6) so they read well on their
 * own. Where the output already shows the host beside the message, that prefix is noise, and in `-b` it
 * would stop identical failures on different hosts from folding together.
 */
export function stripHostPrefix(message: string, host: string): string {
  const prefix = `${host}: `;
  return message.startsWith(prefix) ? message.slice(prefix.length) : message;
}

/** How the last command ended, when it did not end well: `exit code 2`, `killed by SIGTERM`; '' otherwise. */
export function describeExit(result: Pick<HostResult, 'exitCode' | 'signal'>): string {
  if (result.signal) return `killed by ${result.signal}`;
  if (result.exitCode !== null && result.exitCode !== 0) return `exit code ${result.exitCode}`;
  return '';
}

/** Text as lines: '' has none, and one trailing newline does not make an extra empty line. */
export function splitLines(text: string): string[] {
  if (text === '') return [];
  return (text.endsWith('\n') ? text.slice(0, -1) : text).split('\n');
}
