import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AbortError, TransferError } from '../../src/core/errors.js';
import { getPath, putPath } from '../../src/sftp/index.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { randomFile, randomTree, scratchDir, sha256File, treeSums } from './support/fixtures.js';
import { openSftp, type SftpSession } from './support/sftp-session.js';

const HOME = '/home/fleet';
const MiB = 1024 * 1024;

describe('sftp get on a real OpenSSH host', () => {
  let bench: Bench;
  let host: BenchHost;
  let session: SftpSession;
  let dir: string;

  beforeAll(async () => {
    [bench, dir] = await Promise.all([startBench(1), scratchDir('get')]);
    host = bench.hosts[0]!;
    session = await openSftp(host);
    await Promise.all([randomFile(path.join(dir, 'up', 'big.bin'), 50 * MiB), randomTree(path.join(dir, 'up', 'tree'), 200)]);
    await putPath(session.sftp, host.name, [path.join(dir, 'up', 'big.bin'), path.join(dir, 'up', 'tree')], `${HOME}/data/`, {
      recursive: true,
    });
  });
  afterAll(async () => {
    await session?.close();
    await bench?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('gets the 50 MiB file back byte-equal, into <dir>/<host>/ as fleet get does', async () => {
    const result = await getPath(session.sftp, host.name, `${HOME}/data/big.bin`, path.join(dir, 'down', host.name) + '/');
    console.log(`get 50 MiB over loopback: ${result.durationMs.toFixed(0)} ms`);

    const local = path.join(dir, 'down', host.name, 'big.bin');
    expect(result.files).toEqual([{ local, remote: `${HOME}/data/big.bin`, bytes: 50 * MiB, skipped: false, window: expect.any(Number) }]);
    expect(await sha256File(local)).toBe(await sha256File(path.join(dir, 'up', 'big.bin')));
    expect((await readdir(path.dirname(local))).filter((n) => n.includes('fleet-tmp'))).toEqual([]);
  });

  it('gets the tree of 200 files back byte-equal (recursive), modes and mtimes kept', async () => {
    const result = await getPath(session.sftp, host.name, `${HOME}/data/tree`, path.join(dir, 'tree-copy'), { recursive: true });
    expect(result.files).toHaveLength(200);
    expect(await treeSums(path.join(dir, 'tree-copy'))).toEqual(await treeSums(path.join(dir, 'up', 'tree')));
    const [orig, copy] = await Promise.all([
      stat(path.join(dir, 'up', 'tree', 'd1', 's0', 'f1.bin')),
      stat(path.join(dir, 'tree-copy', 'd1', 's0', 'f1.bin')),
    ]);
    expect(copy.mode).toBe(orig.mode);
    expect(Math.floor(copy.mtimeMs / 1000)).toBe(Math.floor(orig.mtimeMs / 1000));
  });

  it('replaces an existing local file atomically; a cancelled get leaves it as it was', async () => {
    const local = path.join(dir, 'keep.bin');
    await writeFile(local, 'old contents');
    const controller = new AbortController();
    const err = await getPath(session.sftp, host.name, `${HOME}/data/big.bin`, local, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone > 5 * MiB) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(await readFile(local, 'utf8')).toBe('old contents');
    expect((await readdir(dir)).filter((n) => n.includes('fleet-tmp'))).toEqual([]);

    await getPath(session.sftp, host.name, `${HOME}/data/big.bin`, local);
    expect(await sha256File(local)).toBe(await sha256File(path.join(dir, 'up', 'big.bin')));
  });

  it('a missing remote file → TransferError naming host and path', async () => {
    await mkdir(path.join(dir, 'out'), { recursive: true });
    const err = await getPath(session.sftp, host.name, `${HOME}/data/nope.bin`, path.join(dir, 'out')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    expect((err as TransferError).message).toBe(`${host.name}: cannot get: ${HOME}/data/nope.bin does not exist; check the source path`);
  });

  it('an unreadable remote file → TransferError with PERMISSION_DENIED', async () => {
    await host.exec('install -m 600 -o root /etc/hostname /srv/secret');
    const err = await getPath(session.sftp, host.name, '/srv/secret', path.join(dir, 'out') + '/').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    expect((err as TransferError).details.sftpStatus).toBe(3);
    expect((err as TransferError).message).toMatch(new RegExp(`^${host.name}: cannot download /srv/secret: permission denied on the host`));
    expect((await readdir(path.join(dir, 'out'))).filter((n) => n.includes('fleet-tmp'))).toEqual([]);
  });
});
