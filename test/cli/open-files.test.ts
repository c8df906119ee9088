import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonHost } from '../../src/cli/render/index.js';
import type { Bench } from '../bench/hosts.js';
import { closeCliBench, openCliBench, runCli, tempDir } from './support.js';

const HOSTS = 100;
/** Before the fix, 100 hosts at -f 100 under this limit: 41 ok, 55 CONNECT and 4 HOST_KEY "EMFILE" failures. */
const OPEN_FILES = 64;

/** fleet's warnings, less accept-new's notice for each host it meets the first time (one per host, as ssh). */
const warningsIn = (stderr: string) =>
  stderr.split('\n').filter((l) => l.startsWith('fleet: warning:') && !l.includes('to the list of known hosts'));

describe('fleet CLI under a low open-files limit (ulimit -n)', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(HOSTS, { bench: { hostsPerContainer: 16 } }));
  });
  afterAll(() => closeCliBench(bench));

  const run = (extra: string[]) =>
    runCli(['exec', 'echo hi', '-i', inv, '-f', String(HOSTS), '--connect-timeout', '30s', '-o', 'json', ...extra], { openFiles: OPEN_FILES });

  const expectAllOk = (stdout: string) => {
    const doc = JSON.parse(stdout) as { hosts: JsonHost[] };
    expect(doc.hosts).toHaveLength(HOSTS);
    expect(doc.hosts.filter((h) => !h.ok).map((h) => h.error?.message)).toEqual([]);
  };

  it('inline: every host ok, -f lowered with exactly one warning saying how to raise the limit', async () => {
    const r = await run(['--retry', '2']);
    expect(r.code).toBe(0);
    expectAllOk(r.stdout);
    const warnings = warningsIn(r.stderr);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/open-files limit \(ulimit -n\) is 64: running at most \d+ hosts at once instead of 100; .*`ulimit -n \d+`/);
  });

  it('forked workers with --out-dir: the workers and the out-dir files fit too', async () => {
    const dir = join(tempDir(), 'out');
    const r = await run(['-w', '2', '--out-dir', dir]);
    expect(r.code).toBe(0);
    expectAllOk(r.stdout);
    expect(warningsIn(r.stderr)).toHaveLength(1);
    expect(readdirSync(dir)).toHaveLength(2 * HOSTS);
  });

  it('a limit that holds -f gives no warning, nor does a big -f for a few hosts', async () => {
    const r = await run(['-f', '8']);
    expect(r.code).toBe(0);
    expectAllOk(r.stdout);
    expect(warningsIn(r.stderr)).toEqual([]);
    const few = await runCli(['exec', 'echo hi', '-i', inv, '-l', 'h0*', '-f', '300', '-o', 'json'], { openFiles: OPEN_FILES });
    expect(few.code).toBe(0);
    expect((JSON.parse(few.stdout) as { hosts: JsonHost[] }).hosts.filter((h) => h.ok)).toHaveLength(9);
    expect(warningsIn(few.stderr)).toEqual([]);
  });
});
