import { lstat, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

export interface LocalTree {
  /** Paths relative to the root with '/', parents before children, names in order. */
  dirs: { path: string; mode: number }[];
  files: { path: string; file: string; mode: number; mtimeMs: number }[];
}

/**
 * What is below a local directory, as a local put walks a tree: symlinks are followed to files; a symlink to
 * a directory, a socket, a FIFO or a device is left out. Both halves of the queue's relay ship trees by it:
 * a put's source on the submitter, a get's fetched files on the agent.
 */
export async function localTree(root: string): Promise<LocalTree> {
  const tree: LocalTree = { dirs: [], files: [] };
  const walk = async (dir: string, rel: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const file = join(dir, name);
      const path = rel ? `${rel}/${name}` : name;
      const link = await lstat(file);
      const s = link.isSymbolicLink() ? await stat(file).catch(() => undefined) : link;
      if (s?.isFile()) tree.files.push({ path, file, mode: s.mode & 0o7777, mtimeMs: s.mtimeMs });
      else if (s?.isDirectory() && !link.isSymbolicLink()) {
        tree.dirs.push({ path, mode: s.mode & 0o7777 });
        await walk(file, path);
      }
    }
  };
  await walk(root, '');
  return tree;
}
