import type { TransferError } from '../core/errors.js';

/**
 * Turns "these sources to that target" into the list of directories to create and files to copy, with the
 * target semantics of scp / `fleet put`: a target that ends with "/" or is an existing directory receives
 * each source under its basename; otherwise the single source becomes the target. Put (local → remote) and
 * get (remote → local) share this by giving each side as a TreeSide.
 */

export interface TreeEntry {
  kind: 'file' | 'dir' | 'other';
  size: number;
  /** Permission bits only (mode & 0o777). */
  mode: number;
  /** Whole seconds, the resolution SFTP carries. */
  atime: number;
  mtime: number;
}

export interface TreeSide {
  /** Path arithmetic of this side: posix for remote, the platform's for local. */
  join(...parts: string[]): string;
  basename(path: string): string;
  /** True when the path as typed names a directory ("dir/"). */
  endsWithSeparator(path: string): boolean;
  /** Follows symlinks; undefined when nothing is there. */
  stat(path: string): Promise<TreeEntry | undefined>;
  /**
   * Directory entries. Symlinks are followed to files; a symlink to a directory comes back as 'other' (not
   * descended into, which also rules out cycles), as do sockets, FIFOs and devices.
   */
  list(dir: string): Promise<Array<{ name: string; entry: TreeEntry }>>;
}

export interface PlannedFile {
  source: string;
  target: string;
  entry: TreeEntry;
}

export interface PlannedDir {
  target: string;
  mode: number;
}

export interface TransferPlan {
  /** Parents before children; created like `mkdir -p` (existing ones are left alone). */
  dirs: PlannedDir[];
  files: PlannedFile[];
}

export interface PlanContext {
  from: TreeSide;
  to: TreeSide;
  recursive: boolean;
  /** Builds the error for a request that cannot be carried out, naming the path concerned. */
  refuse(message: string, path: string): TransferError;
}

/** Sources are read on `from`; the target lives on `to`. Missing sources surface as raw stat errors. */
export async function planTransfer(sources: readonly string[], target: string, ctx: PlanContext): Promise<TransferPlan> {
  const { from, to, refuse } = ctx;
  const plan: TransferPlan = { dirs: [], files: [] };
  if (sources.length === 0) throw refuse('nothing to transfer: no source paths were given', target);

  const existing = await to.stat(target);
  const saysDir = to.endsWithSeparator(target);
  if (saysDir && existing && existing.kind !== 'dir') {
    throw refuse(`${target} exists and is not a directory; remove it or choose another target`, target);
  }
  const intoDir = saysDir || existing?.kind === 'dir';
  if (!intoDir && sources.length > 1) {
    throw refuse(`${target} is not a directory; end it with / to create it and copy the ${sources.length} sources into it`, target);
  }
  if (saysDir && !existing) plan.dirs.push({ target, mode: 0o755 });

  for (const source of sources) {
    const entry = await from.stat(source);
    if (!entry) throw refuse(`${source} does not exist; check the source path`, source);
    const dest = intoDir ? to.join(target, from.basename(source)) : target;
    if (entry.kind === 'file') {
      plan.files.push({ source, target: dest, entry });
    } else if (entry.kind === 'dir') {
      if (!ctx.recursive) throw refuse(`${source} is a directory; use recursive (-r) to copy directories`, source);
      if (!intoDir && existing && existing.kind !== 'dir') {
        throw refuse(`${target} exists and is not a directory, so the directory ${source} cannot be copied onto it`, target);
      }
      await walk(source, dest, entry, ctx, plan);
    } else {
      throw refuse(`${source} is not a regular file or directory`, source);
    }
  }
  return plan;
}

async function walk(source: string, dest: string, entry: TreeEntry, ctx: PlanContext, plan: TransferPlan): Promise<void> {
  plan.dirs.push({ target: dest, mode: entry.mode });
  const children = await ctx.from.list(source);
  children.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const child of children) {
    const src = ctx.from.join(source, child.name);
    const dst = ctx.to.join(dest, child.name);
    if (child.entry.kind === 'file') plan.files.push({ source: src, target: dst, entry: child.entry });
    else if (child.entry.kind === 'dir') await walk(src, dst, child.entry, ctx, plan);
  }
}
