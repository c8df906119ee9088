import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { hostRow, formatHostRows } from '../../src/cli/commands/hosts.js';
import { byteSize, fileMode, type CommonOptions } from '../../src/cli/options.js';
import { OutDir } from '../../src/cli/out-dir.js';
import { fileNameOf } from '../../src/core/host-file-name.js';
import { flowOptions } from '../../src/cli/run-call.js';
import { describeDone } from '../../src/cli/sinks/text.js';
import { colorFor } from '../../src/cli/terminal.js';
import type { HostConfig } from '../../src/inventory/index.js';
import type { HostResult } from '../../src/core/result.js';
import { removeTempDirs, tempDir } from './support.js';

// The CLI's own small decisions, without hosts (they live here rather than in test/unit: src/cli is ours).

const tty = { isTTY: true } as NodeJS.WriteStream;
const pipe = { isTTY: false } as NodeJS.WriteStream;
const base: CommonOptions = { output: 'text', progress: true };

describe('CLI decisions', () => {
  afterAll(removeTempDirs);

  it('colour: flag, then NO_COLOR (non-empty) and TERM=dumb, then TTY', () => {
    expect(colorFor(tty, undefined, {})).toBe(true);
    expect(colorFor(pipe, undefined, {})).toBe(false);
    expect(colorFor(tty, undefined, { NO_COLOR: '1' })).toBe(false);
    expect(colorFor(tty, undefined, { NO_COLOR: '' })).toBe(true);
    expect(colorFor(tty, undefined, { TERM: 'dumb' })).toBe(false);
    expect(colorFor(pipe, true, { NO_COLOR: '1' })).toBe(true);
    expect(colorFor(tty, false, {})).toBe(false);
  });

  it('--fail-fast is max-fail 0 in batches of --forks; --max-fail alone likewise; --batch wins', () => {
    expect(flowOptions(base)).toEqual({});
    expect(flowOptions({ ...base, failFast: true })).toEqual({ batch: 64, maxFail: '0' });
    expect(flowOptions({ ...base, failFast: true, forks: 8 })).toEqual({ batch: 8, maxFail: '0' });
    expect(flowOptions({ ...base, maxFail: '10%', batch: '25%' })).toEqual({ batch: '25%', maxFail: '10%' });
    expect(flowOptions({ ...base, batch: '5', deadline: '2m' })).toEqual({ batch: '5', deadline: '2m' });
  });

  it('file modes are octal', () => {
    expect(fileMode('0644')).toBe(0o644);
    expect(fileMode('755')).toBe(0o755);
    expect(fileMode('0o600')).toBe(0o600);
    expect(() => fileMode('rw-r--r--')).toThrow(/octal/);
    expect(() => fileMode('0999')).toThrow(/octal/);
  });

  it('--window sizes: bytes, or binary K and M, from 4K to 64M', () => {
    expect(byteSize('512K')).toBe(512 * 1024);
    expect(byteSize('2M')).toBe(2 * 1024 * 1024);
    expect(byteSize('2MiB')).toBe(2 * 1024 * 1024);
    expect(byteSize('64kb')).toBe(64 * 1024);
    expect(byteSize('1048576')).toBe(1048576);
    for (const bad of ['1G', '2K', '0', '65M', 'lots', '1.5M', '']) expect(() => byteSize(bad), bad).toThrow(/4K to 64M/);
  });

  it('per-host lines of put/get/ping', () => {
    const r: HostResult = { host: 'h', ok: true, exitCode: null, signal: null, stdout: '', stderr: '', truncated: false, durationMs: 1234 };
    expect(describeDone('ping', r)).toBe('ok · 1.23 s');
    expect(describeDone('exec', r)).toBeUndefined();
    expect(describeDone('put', { ...r, transfer: { files: 1, skipped: 0, bytes: 10 } })).toBe('1 sent, 10 B in 1.23 s');
    expect(describeDone('put', { ...r, transfer: { files: 1, skipped: 1, bytes: 0 } })).toBe('0 sent, 1 unchanged, 0 B in 1.23 s');
    expect(describeDone('get', { ...r, transfer: { files: 3, skipped: 1, bytes: 5 * 1024 * 1024 } })).toBe(
      '2 fetched, 1 unchanged, 5.0 MiB in 1.23 s',
    );
  });

  it('hosts: aligned columns, and never a secret', () => {
    const host = (name: string, address: string, extra: Partial<HostConfig> = {}): HostConfig => ({
      name,
      address,
      port: 22,
      user: 'deploy',
      identityFile: [],
      agent: false,
      knownHosts: '/k',
      hostKeyPolicy: 'strict',
      connectTimeoutMs: 1000,
      groups: ['web'],
      password: { value: 'hunter2' },
      ...extra,
    });
    const rows = [host('web01', '10.0.0.1'), host('db-primary', '::1', { groups: [], jump: 'bastion', port: 2222 })].map((h) => hostRow(h, undefined));
    expect(formatHostRows(rows)).toBe('web01       deploy@10.0.0.1:22  web\ndb-primary  deploy@[::1]:2222   -  via bastion\n');
    expect(JSON.stringify(rows)).not.toContain('hunter2');
    expect(hostRow(host('a', 'a'), 'root').user).toBe('root');
  });

  it('--out-dir files from events: the exact bytes, one pair per host, safe names', async () => {
    expect(fileNameOf('[::1]:22')).toBe('[::1]:22');
    expect(fileNameOf('a/b')).toBe('a_b');
    const dir = join(tempDir(), 'nested', 'out');
    const out = await OutDir.create(dir);
    const at = 0;
    const output = (host: string, stream: 'stdout' | 'stderr', bytes: Buffer) => out.onEvent({ type: 'output', host, stream, line: bytes.toString(), bytes, at });
    out.onEvent({ type: 'start', host: 'h1', at });
    for (let i = 0; i < 50_000; i++) await output('h1', 'stdout', Buffer.from(`line ${i}\n`));
    await output('h1', 'stdout', Buffer.from([0xff, 0x00, 0x74])); // binary, no newline at the end
    output('h1', 'stderr', Buffer.from('\n'));
    out.onEvent({ type: 'start', host: 'h2', at });
    out.onEvent({ type: 'end', host: 'h1', result: {} as HostResult, at });
    await out.close();
    const lines = Buffer.from(Array.from({ length: 50_000 }, (_, i) => `line ${i}\n`).join(''));
    expect(readFileSync(join(dir, 'h1.out')).equals(Buffer.concat([lines, Buffer.from([0xff, 0x00, 0x74])]))).toBe(true);
    expect(readFileSync(join(dir, 'h1.err'), 'utf8')).toBe('\n');
    expect(readFileSync(join(dir, 'h2.out'), 'utf8')).toBe('');
  });
});
