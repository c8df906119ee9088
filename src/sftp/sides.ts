import type { Stats as LocalStats } from 'node:fs';
import { lstat, readdir, stat } from 'node:fs/promises';
import path, { posix } from 'node:path';
import type { SFTPWrapper, Stats as RemoteStats } from 'ssh2';
import * as remote from './remote.js';
import type { TreeEntry, TreeSide } from './tree.js';
import { atPath } from './translate-error.js';

/** The two TreeSides put and get walk: the local file system (node:fs) and the host (over SFTP). */

interface StatLike {
  size: number;
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
}

function toEntry(st: StatLike, atime: number, mtime: number): TreeEntry {
  const kind = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other';
  return { kind, size: st.size, mode: st.mode & 0o777, atime, mtime };
}

const fromLocal = (st: LocalStats): TreeEntry =>
  toEntry(st, Math.floor(st.atimeMs / 1000), Math.floor(st.mtimeMs / 1000));
export const fromRemote = (st: RemoteStats): TreeEntry => toEntry(st, st.atime, st.mtime);

/** A symlink is followed when it leads to a file; a link to a directory or a dangling one is 'other'. */
async function followed(resolve: () => Promise<TreeEntry | undefined>): Promise<TreeEntry> {
  const target = await resolve().catch(() => undefined);
  return target?.kind === 'file' ? target : { kind: 'other', size: 0, mode: 0, atime: 0, mtime: 0 };
}

export function localSide(): TreeSide {
  const statLocal = async (p: string): Promise<TreeEntry | undefined> => {
    try {
      return fromLocal(await stat(p));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw atPath(err, p);
    }
  };
  return {
    join: (...parts) => path.join(...parts),
    basename: (p) => path.basename(p),
    endsWithSeparator: (p) => p.endsWith('/') || p.endsWith(path.sep),
    stat: statLocal,
    async list(dir) {
      const names = await readdir(dir).catch((err: unknown) => Promise.reject(atPath(err, dir)));
      return Promise.all(
        names.map(async (name) => {
          const full = path.join(dir, name);
          const st = await lstat(full).catch((err: unknown) => Promise.reject(atPath(err, full)));
          const entry = st.isSymbolicLink() ? await followed(() => statLocal(full)) : fromLocal(st);
          return { name, entry };
        }),
      );
    },
  };
}

export function remoteSide(sftp: SFTPWrapper): TreeSide {
  const statRemote = async (p: string): Promise<TreeEntry | undefined> => {
    try {
      const st = await remote.statOrUndefined(sftp, p);
      return st && fromRemote(st);
    } catch (err) {
      throw atPath(err, p);
    }
  };
  return {
    join: (...parts) => posix.join(...parts),
    basename: (p) => posix.basename(p),
    endsWithSeparator: (p) => p.endsWith('/'),
    stat: statRemote,
    async list(dir) {
      const entries = await remote.readdir(sftp, dir).catch((err: unknown) => Promise.reject(atPath(err, dir)));
      return Promise.all(
        entries
          .filter((e) => e.filename !== '.' && e.filename !== '..')
          .map(async (e) => {
            // OpenSSH's sftp-server lists with lstat(), so links show up as links here.
            const full = posix.join(dir, e.filename);
            const entry = e.attrs.isSymbolicLink() ? await followed(() => statRemote(full)) : fromRemote(e.attrs);
            return { name: e.filename, entry };
          }),
      );
    },
  };
}
