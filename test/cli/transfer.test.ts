import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonHost } from '../../src/cli/render/index.js';
import type { Bench } from '../bench/hosts.js';
import { closeCliBench, openCliBench, runCli, summaryOf, tempDir } from './support.js';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');

describe('fleet CLI: put and get', () => {
  let bench: Bench;
  let inv: string;
  let local: string;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(3));
    local = tempDir();
  });
  afterAll(() => closeCliBench(bench));

  it('put several files, then exec sha256sum: every host has every byte', async () => {
    const a = randomBytes(300_000);
    const b = randomBytes(1234);
    writeFileSync(join(local, 'payload-a.bin'), a);
    writeFileSync(join(local, 'payload-b.bin'), b);
    const put = await runCli(['put', join(local, 'payload-a.bin'), join(local, 'payload-b.bin'), '/tmp/', '-i', inv]);
    expect(put.code).toBe(0);
    expect(put.stdout.trim().split('\n').sort()).toEqual(
      ['h01', 'h02', 'h03'].map((h) => expect.stringMatching(new RegExp(`^${h} \\| 2 sent, 294 KiB in \\d+\\.\\d\\d s$`))),
    );
    expect(summaryOf(put.stderr)).toEqual({ ok: 3, failed: 0, unreachable: 0, hosts: 3 });

    const check = await runCli(['exec', 'cd /tmp && sha256sum payload-a.bin payload-b.bin', '-i', inv, '-o', 'json']);
    expect(check.code).toBe(0);
    const doc = JSON.parse(check.stdout) as { hosts: JsonHost[] };
    expect(doc.hosts).toHaveLength(3);
    for (const h of doc.hosts) expect(h.stdout).toBe(`${sha256(a)}  payload-a.bin\n${sha256(b)}  payload-b.bin\n`);
  });

  it('put -o json reports the transfer; --skip-unchanged skips what is already there', async () => {
    const file = join(local, 'same.txt');
    writeFileSync(file, 'unchanged\n');
    const first = await runCli(['put', file, '/tmp/', '-i', inv, '-o', 'json']);
    const again = await runCli(['put', file, '/tmp/', '-i', inv, '-o', 'json', '--skip-unchanged']);
    for (const [r, skipped] of [[first, 0], [again, 1]] as const) {
      expect(r.code).toBe(0);
      const doc = JSON.parse(r.stdout) as { hosts: JsonHost[] };
      for (const h of doc.hosts) expect(h.transfer).toEqual({ files: 1, skipped, bytes: skipped ? 0 : 10 });
    }
  });

  it('put -r uploads a directory tree, --mode sets the mode', async () => {
    const tree = join(local, 'conf.d');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    writeFileSync(join(tree, 'a.conf'), 'a=1\n');
    writeFileSync(join(tree, 'sub', 'b.conf'), 'b=2\n');
    // A local mistake, found before connecting (exit 2), not once per host.
    const without = await runCli(['put', tree, '/tmp/', '-i', inv, '-l', 'h01']);
    expect(without.code).toBe(2);
    expect(without.stderr).toMatch(/is a directory — add -r/);
    const r = await runCli(['put', '-r', tree, '/tmp/', '-i', inv, '--mode', '0640']);
    expect(r.code).toBe(0);
    const check = await runCli(['exec', '-b', 'cd /tmp/conf.d && find . -type f | sort | xargs stat -c "%n %a" && cat sub/b.conf', '-i', inv]);
    expect(check.stdout).toBe(
      ['---------------', 'h[01-03] (3)', '---------------', './a.conf 640', './sub/b.conf 640', 'b=2', ''].join('\n'),
    );
  });

  it('get writes <dir>/<host>/<basename> for every host', async () => {
    await Promise.all(bench.hosts.map((h) => h.exec(`echo "I am ${h.name}" > /tmp/whoami.txt`)));
    const dir = join(tempDir(), 'facts');
    const r = await runCli(['get', '/tmp/whoami.txt', '/etc/os-release', dir, '-i', inv]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^h01 \| 2 fetched, /m);
    expect(readdirSync(dir).sort()).toEqual(['h01', 'h02', 'h03']);
    for (const h of bench.hosts) {
      expect(readdirSync(join(dir, h.name)).sort()).toEqual(['os-release', 'whoami.txt']);
      expect(readFileSync(join(dir, h.name, 'whoami.txt'), 'utf8')).toBe(`I am ${h.name}\n`);
      const osRelease = await h.exec('cat /etc/os-release');
      expect(readFileSync(join(dir, h.name, 'os-release'), 'utf8')).toBe(osRelease.stdout);
    }
  });

  it('--window takes a size for put and get; a size out of range is a usage error (exit 2)', async () => {
    const data = randomBytes(3 * 1024 * 1024);
    writeFileSync(join(local, 'windowed.bin'), data);
    const put = await runCli(['put', join(local, 'windowed.bin'), '/tmp/', '-i', inv, '--window', '4M']);
    expect(put.code).toBe(0);
    const dir = tempDir();
    const get = await runCli(['get', '/tmp/windowed.bin', dir, '-i', inv, '--window', '64K']);
    expect(get.code).toBe(0);
    for (const h of bench.hosts) expect(sha256(readFileSync(join(dir, h.name, 'windowed.bin')))).toBe(sha256(data));
    const bad = await runCli(['put', join(local, 'windowed.bin'), '/tmp/', '-i', inv, '--window', '1G']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--window.*4K to 64M/);
  });

  it('get -r fetches a directory; a missing remote file fails that host (exit 1) and names the path', async () => {
    await bench.hosts[0]!.exec('mkdir -p /tmp/logs/app && echo l1 > /tmp/logs/app/x.log');
    const dir = tempDir();
    const r = await runCli(['get', '-r', '/tmp/logs', dir, '-i', inv, '-l', 'h01']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'h01', 'logs', 'app', 'x.log'), 'utf8')).toBe('l1\n');

    const missing = await runCli(['get', '/tmp/nope.txt', dir, '-i', inv]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^h01\s+TRANSFER\s+.*\/tmp\/nope\.txt/m);
    expect(summaryOf(missing.stderr)).toEqual({ ok: 0, failed: 3, unreachable: 0, hosts: 3 });
  });
});
