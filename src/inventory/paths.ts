import path from 'node:path';

/**
 * Paths in an inventory mean the same thing whoever runs fleet and from wherever: `~` is the user's home and a
 * relative path is relative to the inventory file, not to the shell's working directory.
 */
export function resolvePath(written: string, baseDir: string, home: string): string {
  if (written === '~') return home;
  if (written.startsWith('~/')) return path.join(home, written.slice(2));
  return path.resolve(baseDir, written);
}
