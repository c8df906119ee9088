import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench, BenchHost } from '../bench/hosts.js';
import { closeCliBench, openCliBench, runCli, tempDir } from './support.js';

/** Files the hostile names below would create if a remote shell ever expanded them. */
async function pwned(h: BenchHost): Promise<string> {
  // Names without a slash create their file in the login directory, where remote commands start.
  return (await h.exec('ls /tmp /home/fleet | grep pwned || true')).stdout.trim();
}

// Remote paths, file names inside a tree, a cwd, an env value and a sudo user that are shell code: each must
// reach the host as the literal text, on every path that builds a command line (the second put of
// --skip-unchanged runs sha256sum on the remote path).
describe('fleet CLI: values that are shell code stay text on the host', () => {
  let bench: Bench;
  let inv: string;
  let h: BenchHost;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(1));
    h = bench.hosts[0]!;
  });
  afterAll(() => closeCliBench(bench));

  it('put --skip-unchanged twice to a remote path with $(…) and backticks', async () => {
    const dir = tempDir();
    const file = join(dir, 'app.conf');
    writeFileSync(file, 'x=1\n');
    await h.exec("mkdir -p '/tmp/x/$(touch /tmp/pwned-a)' '/tmp/x/`touch /tmp/pwned-b`'", { user: 'fleet' });
    for (const remote of ['/tmp/x/$(touch /tmp/pwned-a)/', '/tmp/x/`touch /tmp/pwned-b`/']) {
      const first = await runCli(['put', file, remote, '-i', inv, '--skip-unchanged', '-o', 'json']);
      expect(first.code, first.stderr).toBe(0);
      const second = await runCli(['put', file, remote, '-i', inv, '--skip-unchanged', '-o', 'json']);
      expect(second.code, second.stderr).toBe(0);
      const doc = JSON.parse(second.stdout) as { hosts: { transfer?: { skipped: number } }[] };
      expect(doc.hosts[0]?.transfer?.skipped).toBe(1);
    }
    expect(await pwned(h)).toBe('');
  });

  it('put -r --skip-unchanged twice of a tree holding files named as shell code', async () => {
    const root = join(tempDir(), 'tree');
    mkdirSync(join(root, '$(touch pwned-dir)'), { recursive: true });
    writeFileSync(join(root, '$(touch pwned-c)'), 'c\n');
    writeFileSync(join(root, '`touch pwned-d`'), 'd\n');
    writeFileSync(join(root, '$(touch pwned-dir)', "it's; touch pwned-e"), 'e\n');
    await h.exec('rm -rf /tmp/t && mkdir -p /tmp/t', { user: 'fleet' });
    for (let i = 0; i < 2; i++) {
      const r = await runCli(['put', '-r', root, '/tmp/t/', '-i', inv, '--skip-unchanged', '-o', 'json']);
      expect(r.code, r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as { hosts: { transfer?: { files: number; skipped: number } }[] };
      expect(doc.hosts[0]?.transfer).toMatchObject({ files: 3, skipped: i === 0 ? 0 : 3 });
    }
    expect(await pwned(h)).toBe('');
    expect((await h.exec("cat '/tmp/t/tree/$(touch pwned-dir)/it'\\''s; touch pwned-e'")).stdout).toBe('e\n');
  });

  it('exec: a sudo user that is shell code is refused as what it is, not run', async () => {
    const r = await runCli(['exec', 'pwd', '-i', inv, '--sudo', '--sudo-user', '$(touch /tmp/pwned-f)']);
    expect(r.code).toBe(1);
    expect(await pwned(h)).toBe('');
  });
});
