import { rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferError } from '../../src/core/errors.js';
import { putPath } from '../../src/sftp/index.js';
import type { TransferProgress } from '../../src/sftp/index.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { randomFile, randomTree, scratchDir, sha256File, treeSums, treeSumsCommand } from './support/fixtures.js';
import { openSftp, remoteSha256, type SftpSession } from './support/sftp-session.js';

const HOME = '/home/fleet';
const MiB = 1024 * 1024;

describe('sftp put on a real OpenSSH host', () => {
  let bench: Bench;
  let host: BenchHost;
  let session: SftpSession;
  let dir: string;

  beforeAll(async () => {
    [bench, dir] = await Promise.all([startBench(1), scratchDir('put')]);
    host = bench.hosts[0]!;
    session = await openSftp(host);
    await Promise.all([randomFile(path.join(dir, 'big.bin'), 50 * MiB), randomTree(path.join(dir, 'tree'), 200)]);
  });
  afterAll(async () => {
    await session?.close();
    await bench?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('puts a 50 MiB file: the checksum on the host is equal, progress reaches the size', async () => {
    const local = path.join(dir, 'big.bin');
    const seen: TransferProgress[] = [];
    const result = await putPath(session.sftp, host.name, local, `${HOME}/big.bin`, { onProgress: (p) => seen.push(p) });
    console.log(`put 50 MiB over loopback: ${result.durationMs.toFixed(0)} ms`);

    expect(await remoteSha256(host, `${HOME}/big.bin`)).toBe(await sha256File(local));
    expect(result).toMatchObject({ host: host.name, bytes: 50 * MiB });
    expect(result.files).toEqual([{ local, remote: `${HOME}/big.bin`, bytes: 50 * MiB, skipped: false, window: expect.any(Number) }]);
    expect(seen.length).toBeGreaterThan(10);
    expect(seen.at(-1)).toMatchObject({ path: `${HOME}/big.bin`, bytesDone: 50 * MiB, bytesTotal: 50 * MiB });
    expect(seen.every((p, i) => i === 0 || p.totalBytesDone >= seen[i - 1]!.totalBytesDone)).toBe(true);
    // Nothing is left beside the target.
    expect((await host.exec(`ls -a ${HOME}`)).stdout).not.toMatch(/fleet-tmp/);
  });

  it('moves data in chunks of the window: 128 KiB by default, smaller when the window is smaller', async () => {
    const local = path.join(dir, 'two.bin');
    await randomFile(local, 2 * MiB);
    const steps = async (window?: number): Promise<Set<number>> => {
      const done: number[] = [];
      await putPath(session.sftp, host.name, local, `${HOME}/windowed.bin`, {
        ...(window === undefined ? {} : { window }),
        onProgress: (p) => done.push(p.bytesDone),
      });
      expect(await remoteSha256(host, `${HOME}/windowed.bin`)).toBe(await sha256File(local));
      // Acknowledged chunks, in order; every one but the file's last is a whole chunk.
      const sorted = [...new Set(done)].sort((a, b) => a - b);
      return new Set(sorted.slice(1, -1).map((v, i) => v - sorted[i]!));
    };
    expect(await steps()).toEqual(new Set([128 * 1024]));
    expect(await steps(64 * 1024)).toEqual(new Set([64 * 1024]));
  });

  it('puts a tree of 200 files in nested dirs (recursive, dirs created): every checksum equal', async () => {
    const result = await putPath(session.sftp, host.name, path.join(dir, 'tree'), `${HOME}/deploy/v1/`, { recursive: true });

    expect(result.files).toHaveLength(200);
    const onHost = await host.exec(treeSumsCommand(`${HOME}/deploy/v1/tree`));
    expect(onHost.stdout.trim().split('\n')).toEqual(await treeSums(path.join(dir, 'tree')));
    expect((await host.exec(`find ${HOME}/deploy -name '*fleet-tmp*' | wc -l`)).stdout.trim()).toBe('0');
  });

  it('copies a directory onto a new name, like scp -r dir host:/new', async () => {
    await putPath(session.sftp, host.name, path.join(dir, 'tree', 'd1'), `${HOME}/renamed`, { recursive: true });
    const listing = await host.exec(`ls ${HOME}/renamed`);
    expect(listing.stdout.split('\n')).toContain('s0');
  });

  it('keeps the local mode, or sets the mode option', async () => {
    const local = path.join(dir, 'script.sh');
    await randomFile(local, 100);
    const { chmod } = await import('node:fs/promises');
    await chmod(local, 0o750);
    await putPath(session.sftp, host.name, local, `${HOME}/kept.sh`);
    await putPath(session.sftp, host.name, local, `${HOME}/set.sh`, { mode: 0o604 });
    expect((await host.exec(`stat -c %a ${HOME}/kept.sh ${HOME}/set.sh`)).stdout.split('\n')).toEqual(['750', '604', '']);
  });

  it('puts several files into a directory (created with a trailing /), in place without atomic', async () => {
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    await Promise.all([randomFile(a, 10), randomFile(b, 20)]);
    const result = await putPath(session.sftp, host.name, [a, b], `~/many/`, { atomic: false });
    expect(result.files.map((f) => f.remote)).toEqual(['many/a.txt', 'many/b.txt']);
    expect(await remoteSha256(host, `${HOME}/many/b.txt`)).toBe(await sha256File(b));
  });

  it('skips a second identical put (size + sha256 via the exec callback), and re-sends a changed file', async () => {
    const local = path.join(dir, 'conf.bin');
    await randomFile(local, 4096);
    const target = `${HOME}/conf.bin`;
    const checked: string[] = [];
    const sum = async (p: string) => {
      checked.push(p);
      return remoteSha256(host, p);
    };
    const first = await putPath(session.sftp, host.name, local, target, { skipUnchanged: true, remoteSha256: sum });
    const second = await putPath(session.sftp, host.name, local, target, { skipUnchanged: true, remoteSha256: sum });
    expect(first.files[0]!.skipped).toBe(false);
    expect(second.files[0]).toMatchObject({ skipped: true, bytes: 4096 });
    expect(second.bytes).toBe(0);
    expect(checked).toEqual([target]); // only asked when the sizes matched

    await randomFile(local, 4096); // same size, other content
    const third = await putPath(session.sftp, host.name, local, target, { skipUnchanged: true, remoteSha256: sum });
    expect(third.files[0]!.skipped).toBe(false);
    expect(await remoteSha256(host, target)).toBe(await sha256File(local));
  });

  it('without a checksum callback, skips by size + mtime (which put preserves)', async () => {
    const tree = path.join(dir, 'tree');
    const again = await putPath(session.sftp, host.name, tree, `${HOME}/deploy/v1/`, { recursive: true, skipUnchanged: true });
    expect(again.files.filter((f) => !f.skipped)).toEqual([]);

    const touched = path.join(tree, 'd0', 's1', 'f5.bin');
    const { mtime } = await stat(touched);
    await utimes(touched, mtime, new Date(mtime.getTime() + 5_000));
    const third = await putPath(session.sftp, host.name, tree, `${HOME}/deploy/v1/`, { recursive: true, skipUnchanged: true });
    expect(third.files.filter((f) => !f.skipped).map((f) => f.local)).toEqual([touched]);
  });

  it('put into a directory without write permission → TransferError naming host, path and the fix', async () => {
    await host.exec('install -d -m 755 -o root -g root /srv/locked');
    const err = await putPath(session.sftp, host.name, path.join(dir, 'a.txt'), '/srv/locked/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    const e = err as TransferError;
    expect(e.host).toBe(host.name);
    expect(e.details).toMatchObject({ path: '/srv/locked/a.txt', sftpStatus: 3 });
    expect(e.message).toMatch(new RegExp(`^${host.name}: .*/srv/locked/a\\.txt: permission denied on the host`));
    expect(e.message).toMatch(/login user needs access/);
  });

  it('refuses what scp refuses, with the fix in the message', async () => {
    const a = path.join(dir, 'a.txt');
    await expect(putPath(session.sftp, host.name, [a, a], `${HOME}/nodir`)).rejects.toThrow(/end it with \/ to create it/);
    await expect(putPath(session.sftp, host.name, path.join(dir, 'tree'), `${HOME}/x/`)).rejects.toThrow(/use recursive/);
    await expect(putPath(session.sftp, host.name, path.join(dir, 'missing'), `${HOME}/`)).rejects.toThrow(
      /missing does not exist/,
    );
    const noParent = await putPath(session.sftp, host.name, a, `${HOME}/no/such/dir/a.txt`).catch((e: unknown) => e);
    expect(noParent).toBeInstanceOf(TransferError);
    expect((noParent as TransferError).message).toMatch(/no such file or directory on the host .*end the target with \//);
  });
});
