import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { TreeEntry } from './tree.js';

/**
 * skipUnchanged's test, after rsync's: sizes must match, then content by SHA-256 when the caller can hash
 * the remote file (SFTP has no checksum request, so that needs exec), else the modification times (which put
 * preserves, so a file put before compares equal).
 */

export async function localSha256(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

export async function isUnchanged(
  local: { path: string; entry: TreeEntry },
  remote: { path: string; entry: TreeEntry | undefined },
  remoteSha256: ((remotePath: string) => Promise<string | undefined>) | undefined,
): Promise<boolean> {
  const r = remote.entry;
  if (!r || r.kind !== 'file' || r.size !== local.entry.size) return false;
  const remoteSum = remoteSha256 ? await remoteSha256(remote.path) : undefined;
  // No hash available (no callback, or sha256sum missing on the host): fall back to the quick check.
  if (remoteSum === undefined) return r.mtime === local.entry.mtime;
  return remoteSum.trim().toLowerCase() === (await localSha256(local.path));
}
