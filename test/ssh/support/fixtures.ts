import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** Local files for the SFTP tests: random content, so a byte out of place changes every checksum. */

export async function scratchDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(tmpdir(), `fleet-${prefix}-`));
}

export async function randomFile(file: string, bytes: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, randomBytes(bytes));
}

/**
 * A tree of `count` files spread over nested directories (d0/s0/…), sizes from 0 bytes to ~64 KiB, plus
 * one of 300 KiB so the tree also has a file larger than one fastXfer window.
 */
export async function randomTree(root: string, count: number): Promise<void> {
  const writes: Promise<void>[] = [];
  for (let i = 0; i < count; i++) {
    const dir = path.join(root, `d${i % 5}`, `s${Math.floor(i / 5) % 4}`, ...(i % 3 === 0 ? ['deep', 'er'] : []));
    const size = i === 0 ? 0 : i === 1 ? 300 * 1024 : (i * 7919) % 65_536;
    writes.push(randomFile(path.join(dir, `f${i}.bin`), size));
  }
  await Promise.all(writes);
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** "relative/path sha256" lines for every file under root, sorted: the same shape treeSumsOnHost gives. */
export async function treeSums(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const lines = await Promise.all(
    entries
      .filter((e) => e.isFile())
      .map(async (e) => {
        const full = path.join(e.parentPath, e.name);
        return `${path.relative(root, full)} ${await sha256File(full)}`;
      }),
  );
  return lines.sort();
}

/** The same listing computed on the host with find + sha256sum. */
export const treeSumsCommand = (root: string) =>
  `cd '${root}' && find . -type f -print0 | xargs -0 -r sha256sum | awk '{ sub(/^\\.\\//, "", $2); print $2 " " $1 }' | LC_ALL=C sort`;
