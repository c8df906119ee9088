import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TransferError } from '../../src/core/errors.js';
import { getPath, putPath } from '../../src/sftp/index.js';
import { startDelayProxy, type DelayProxy } from '../bench/delay-proxy.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { randomFile, scratchDir, sha256File } from './support/fixtures.js';
import { openSftp, remoteSha256, type SftpSession } from './support/sftp-session.js';

const DIR = '/home/fleet/rt';

/**
 * A put's waits, counted without timing anything: behind the delay proxy each request the client must wait
 * for before sending the next starts a new client→host flight. One small file, atomic: stat the target
 * directory, create the temporary file (its handle is written through), the write, FSETSTAT sent with the
 * CLOSE, rename — 5. It was 8 (the temporary file was created and closed, then reopened; the mode and times
 * were a SETSTAT after the close).
 */
describe('put: round trips per file', () => {
  let bench: Bench;
  let host: BenchHost;
  let proxy: DelayProxy;
  let far: SftpSession;
  let dir: string;
  let small: string;

  beforeAll(async () => {
    [bench, dir] = await Promise.all([startBench(1), scratchDir('put-rt')]);
    host = bench.hosts[0]!;
    proxy = await startDelayProxy(host, { rttMs: 20 });
    far = await openSftp({ ...host, address: proxy.address, port: proxy.port });
    small = path.join(dir, 'small.bin');
    await randomFile(small, 1000);
    await host.exec(`mkdir -p ${DIR} && chown fleet:fleet ${DIR}`);
  });
  afterAll(async () => {
    await far?.close();
    await proxy?.close();
    await bench?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('an atomic put of one small file waits 5 times, and the file gets its mode and mtime', async () => {
    proxy.resetStats();
    await putPath(far.sftp, host.name, small, `${DIR}/`, { mode: 0o640 });
    expect(proxy.stats().up.flights).toBe(5);
    expect(await remoteSha256(host, `${DIR}/small.bin`)).toBe(await sha256File(small));
    const mtime = Math.floor((await stat(small)).mtimeMs / 1000);
    expect((await host.exec(`stat -c '%a %Y' ${DIR}/small.bin`)).stdout.trim()).toBe(`640 ${mtime}`);
    expect((await host.exec(`ls -a ${DIR}`)).stdout).not.toMatch(/fleet-tmp/);
  });

  it('in place (atomic: false) it waits 4 times: stat, open, write, FSETSTAT with CLOSE', async () => {
    proxy.resetStats();
    await putPath(far.sftp, host.name, small, `${DIR}/inplace.bin`, { atomic: false, mode: 0o600 });
    expect(proxy.stats().up.flights).toBe(4);
    expect((await host.exec(`stat -c '%a' ${DIR}/inplace.bin`)).stdout.trim()).toBe('600');
    expect(await remoteSha256(host, `${DIR}/inplace.bin`)).toBe(await sha256File(small));
  });

  // A get does not wait for its read handle's CLOSE: when it returns, the host has answered the stat, the
  // open and the read (3 host→client flights), not the close (it was 4). 100 ms away, so the local rename
  // and chmod are well inside the close's round trip.
  it('a get of one small file returns before the answer to its CLOSE', async () => {
    const farther = await startDelayProxy(host, { rttMs: 100 });
    const s = await openSftp({ ...host, address: farther.address, port: farther.port });
    try {
      await putPath(s.sftp, host.name, small, `${DIR}/for-get.bin`);
      farther.resetStats();
      const got = await getPath(s.sftp, host.name, `${DIR}/for-get.bin`, path.join(dir, 'got.bin'));
      expect(farther.stats().down.flights).toBe(3);
      expect(await sha256File(got.files[0]!.local)).toBe(await sha256File(small));
      // The channel goes on: the CLOSE was answered meanwhile and the next request works.
      await getPath(s.sftp, host.name, `${DIR}/for-get.bin`, path.join(dir, 'again.bin'));
    } finally {
      await s.close();
      await farther.close();
    }
  });
});

/**
 * The FSETSTAT that now travels with the CLOSE must still fail the file before any rename. sftp-server's
 * `-P` refuses the listed requests; ForceCommand runs it with that for every session (the image's sshd is
 * too old to take a second `Subsystem sftp` line).
 */
describe('put: a refused FSETSTAT', () => {
  let bench: Bench;
  let host: BenchHost;
  let session: SftpSession;
  let dir: string;
  let file: string;

  beforeAll(async () => {
    [bench, dir] = await Promise.all([startBench(1, { sshdOptions: ['ForceCommand internal-sftp -P fsetstat'] }), scratchDir('put-fsetstat')]);
    host = bench.hosts[0]!;
    session = await openSftp(host);
    file = path.join(dir, 'new.bin');
    await randomFile(file, 300_000);
    await host.exec(`mkdir -p ${DIR} && echo old > ${DIR}/target.bin && chown -R fleet:fleet ${DIR}`);
  });
  afterAll(async () => {
    await session?.close();
    await bench?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it('fails naming host, path and step, leaves the target as it was and no temporary file', async () => {
    const before = await remoteSha256(host, `${DIR}/target.bin`);
    const err = await putPath(session.sftp, host.name, file, `${DIR}/target.bin`).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TransferError);
    const message = (err as Error).message;
    expect(message).toContain(host.name);
    expect(message).toMatch(/set the mode and time of .*\.target\.bin\.fleet-tmp-/);
    expect(await remoteSha256(host, `${DIR}/target.bin`)).toBe(before);
    expect((await host.exec(`ls -a ${DIR}`)).stdout.split('\n').filter((n) => n.includes('fleet-tmp'))).toEqual([]);
    // In place, the same refusal fails the put too (the data is there, its mode and times are not).
    const again = await putPath(session.sftp, host.name, file, `${DIR}/target.bin`, { atomic: false }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(TransferError);
    expect((again as Error).message).toMatch(/set the mode and time of .*target\.bin/);
  });
});
