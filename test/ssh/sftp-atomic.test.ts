import { rm } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AbortError, TransferError } from '../../src/core/errors.js';
import { putPath, TEMP_NAME_PATTERN } from '../../src/sftp/index.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { randomFile, randomTree, scratchDir, sha256File, treeSums, treeSumsCommand } from './support/fixtures.js';
import { openSftp, remoteSha256, type SftpSession } from './support/sftp-session.js';

const DIR = '/home/fleet/app';
const TARGET = `${DIR}/release.bin`;
const MiB = 1024 * 1024;

/** Kills the SSH session processes of user fleet on the host (sshd itself keeps running). */
const KILL_SESSIONS = "pkill -KILL -f 'sshd: flee[t]'";

describe('atomic put: a failed or cancelled put leaves the previous target untouched', () => {
  let bench: Bench;
  let host: BenchHost;
  let session: SftpSession;
  let dir: string;
  let big: string;
  let oldSum: string;

  const hiddenFiles = async () => (await host.exec(`ls -a ${DIR}`)).stdout.split('\n').filter((n) => n.startsWith('.') && n.length > 2);

  beforeAll(async () => {
    [bench, dir] = await Promise.all([startBench(1), scratchDir('atomic')]);
    host = bench.hosts[0]!;
    big = path.join(dir, 'big.bin');
    await Promise.all([randomFile(big, 50 * MiB), randomFile(path.join(dir, 'old.bin'), 1000), randomTree(path.join(dir, 'tree'), 60)]);
    oldSum = await sha256File(path.join(dir, 'old.bin'));
  });
  beforeEach(async () => {
    // Every test starts from a fresh connection and the old release in place.
    await session?.close();
    await host.exec(`rm -rf ${DIR}`);
    session = await openSftp(host);
    await putPath(session.sftp, host.name, path.join(dir, 'old.bin'), `${DIR}/`);
    await host.exec(`mv ${DIR}/old.bin ${TARGET}`);
  });
  afterAll(async () => {
    await session?.close();
    await bench?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('a put cancelled mid-file removes its temporary file and leaves the target as it was', async () => {
    const controller = new AbortController();
    let abortedAt = 0;
    const err = await putPath(session.sftp, host.name, big, TARGET, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone > 5 * MiB && !controller.signal.aborted) {
          abortedAt = p.bytesDone;
          controller.abort();
        }
      },
    }).catch((e: unknown) => e);

    expect(err).toBeInstanceOf(AbortError);
    expect((err as AbortError).host).toBe(host.name);
    expect(abortedAt).toBeGreaterThan(5 * MiB);
    expect(abortedAt).toBeLessThan(50 * MiB);
    expect(await hiddenFiles()).toEqual([]);
    expect(await remoteSha256(host, TARGET)).toBe(oldSum);
    // The channel stays usable after a cancel: the same session puts the file right away.
    await putPath(session.sftp, host.name, big, TARGET);
    expect(await remoteSha256(host, TARGET)).toBe(await sha256File(big));
  });

  it('a put cancelled before it starts touches nothing', async () => {
    const err = await putPath(session.sftp, host.name, big, TARGET, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect(await hiddenFiles()).toEqual([]);
    expect(await remoteSha256(host, TARGET)).toBe(oldSum);
  });

  it('a tree put cancelled midway leaves no temporary file and no partial file anywhere', async () => {
    const controller = new AbortController();
    let started = 0;
    const err = await putPath(session.sftp, host.name, path.join(dir, 'tree'), `${DIR}/`, {
      recursive: true,
      fileConcurrency: 4,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.bytesDone === p.bytesTotal && ++started === 20) controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AbortError);
    expect((await host.exec(`find ${DIR} -name '*fleet-tmp*' | wc -l`)).stdout.trim()).toBe('0');
    // Files already renamed into place stay, each one whole; the rest never appeared.
    const onHost = (await host.exec(treeSumsCommand(`${DIR}/tree`))).stdout.trim().split('\n').filter(Boolean);
    expect(onHost.length).toBeGreaterThan(0);
    expect(onHost.length).toBeLessThan(60);
    const local = new Set(await treeSums(path.join(dir, 'tree')));
    for (const line of onHost) expect(local).toContain(line);
  });

  it('a put whose SSH session is killed mid-file leaves the target untouched; after reconnecting, a put works', async () => {
    let killing: Promise<unknown> | undefined;
    const err = await putPath(session.sftp, host.name, big, TARGET, {
      // Slow enough (4 KiB per round trip) that the kill lands mid-file, not after the end.
      concurrency: 1,
      chunkSize: 4096,
      onProgress: (p) => {
        if (p.bytesDone > MiB && !killing) killing = host.exec(KILL_SESSIONS);
      },
    }).catch((e: unknown) => e);
    await killing;

    expect(err).toBeInstanceOf(TransferError);
    const e = err as TransferError;
    expect(e.host).toBe(host.name);
    expect(e.message).toMatch(/connection to the host was lost; the previous target is untouched/);
    expect(await remoteSha256(host, TARGET)).toBe(oldSum);
    // The session died before it could clean up: its temporary file is the only trace, and recognisable.
    const left = await hiddenFiles();
    expect(left.length).toBeLessThanOrEqual(1);
    for (const name of left) expect(name).toMatch(TEMP_NAME_PATTERN);

    await session.close();
    session = await openSftp(host);
    const again = await putPath(session.sftp, host.name, big, TARGET);
    expect(again.files[0]).toMatchObject({ skipped: false, bytes: 50 * MiB });
    expect(await remoteSha256(host, TARGET)).toBe(await sha256File(big));
  });

  it('a put whose client connection is destroyed mid-file fails at once with TransferError, target untouched', async () => {
    const err = await putPath(session.sftp, host.name, big, TARGET, {
      onProgress: (p) => {
        if (p.bytesDone > 5 * MiB) session.client.destroy();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    expect((err as TransferError).message).toMatch(/connection to the host was lost/);
    expect(await remoteSha256(host, TARGET)).toBe(oldSum);
    // A further put on the dead channel fails fast instead of hanging.
    await expect(putPath(session.sftp, host.name, big, TARGET)).rejects.toThrow(/connection to the host was lost/);
  });
});
