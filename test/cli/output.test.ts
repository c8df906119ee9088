import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JsonHost } from '../../src/cli/render/index.js';
import type { Bench } from '../bench/hosts.js';
import { CLI, cleanEnv, closeCliBench, openCliBench, runCli, summaryOf, tempDir } from './support.js';

const NAMES = ['web01', 'web02', 'web03', 'web05', 'db-primary'];

describe('fleet CLI: text, -b, json, ndjson and --out-dir output', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => {
    ({ bench, inv } = await openCliBench(5, { inventory: { names: NAMES } }));
    const r = await bench.hosts[4]!.exec('echo special > /tmp/flavour');
    expect(r.exitCode).toBe(0);
  });
  afterAll(() => closeCliBench(bench));

  it('text: `host | line` on stdout and `host ! line` on stderr, host column aligned to the widest name', async () => {
    const r = await runCli(['exec', 'echo out; echo err >&2', '-i', inv]);
    expect(r.code).toBe(0);
    const out = r.stdout.trim().split('\n').sort();
    expect(out).toEqual(['db-primary | out', 'web01      | out', 'web02      | out', 'web03      | out', 'web05      | out']);
    const err = r.stderr.split('\n').filter((l) => l.includes(' ! ')).sort();
    expect(err).toEqual(['db-primary ! err', 'web01      ! err', 'web02      ! err', 'web03      ! err', 'web05      ! err']);
    expect(summaryOf(r.stderr)).toEqual({ ok: 5, failed: 0, unreachable: 0, hosts: 5 });
    expect(r.stdout + r.stderr).not.toContain('\x1b');
  });

  it('-b folds identical output into one block per outcome, headed by the folded host list', async () => {
    const r = await runCli(['exec', '-b', 'cat /tmp/flavour 2>/dev/null || echo plain; echo warm >&2', '-i', inv]);
    expect(r.code).toBe(0);
    const rule = '-'.repeat(15);
    expect(r.stdout).toBe(
      [rule, 'web[01-03,05] (4)', rule, 'plain', '! warm', rule, 'db-primary (1)', rule, 'special', '! warm', ''].join('\n'),
    );
    // Nothing streamed: the remote stderr lines are only in the blocks.
    expect(r.stderr).not.toContain('warm');
    expect(summaryOf(r.stderr)).toEqual({ ok: 5, failed: 0, unreachable: 0, hosts: 5 });
  });

  it('-b keeps failures apart and says how they ended', async () => {
    const r = await runCli(['exec', '-b', 'test -e /tmp/flavour && echo yes', '-i', inv]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('web[01-03,05] (4) · exit code 1\n');
    expect(r.stdout).toContain('db-primary (1)\n---------------\nyes\n');
  });

  it('-o json: exactly one document on stdout, every host once, with the documented fields', async () => {
    const r = await runCli(['exec', 'echo "$HOME"; echo e >&2; test ! -e /tmp/flavour', '-i', inv, '-o', 'json']);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout) as { hosts: JsonHost[]; summary: Record<string, number> };
    expect(Object.keys(doc)).toEqual(['hosts', 'summary']);
    expect(doc.hosts.map((h) => h.host)).toEqual(NAMES);
    for (const h of doc.hosts) {
      expect(Object.keys(h).slice(0, 7)).toEqual(['host', 'ok', 'exitCode', 'signal', 'stdout', 'stderr', 'durationMs']);
      expect(h.stdout).toBe('/home/fleet\n');
      expect(h.stderr).toBe('e\n');
      expect(h.durationMs).toBeGreaterThan(0);
    }
    const db = doc.hosts[4]!;
    expect(db).toMatchObject({ ok: false, exitCode: 1, signal: null, error: { code: 'COMMAND', message: 'db-primary: command exited with 1' } });
    expect(doc.hosts[0]).not.toHaveProperty('error');
    expect(Object.keys(doc.summary)).toEqual(['ok', 'failed', 'timedOut', 'unreachable', 'skipped', 'hosts', 'durationMs']);
    expect(doc.summary).toMatchObject({ ok: 4, failed: 1, unreachable: 0, hosts: 5 });
    // Text-mode extras stay off stdout and stderr: no summary line, no failure list.
    expect(summaryOf(r.stderr)).toBeUndefined();
  });

  it('-o ndjson: one event per line as it happens — start, output, end per host — then one summary', async () => {
    const r = await runCli(['exec', 'echo one; echo two >&2', '-i', inv, '-o', 'ndjson']);
    expect(r.code).toBe(0);
    expect(r.stdout.endsWith('\n')).toBe(true);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string; at: number; [k: string]: unknown });
    for (const name of NAMES) {
      const mine = events.filter((e) => e.host === name);
      expect(mine.map((e) => e.type)).toEqual(['start', ...mine.slice(1, -1).map(() => 'output'), 'end']);
      expect(mine.filter((e) => e.type === 'output').map((e) => [e.stream, e.line]).sort()).toEqual([
        ['stderr', 'two'],
        ['stdout', 'one'],
      ]);
      const end = mine.at(-1) as unknown as { result: JsonHost };
      expect(end.result).toMatchObject({ host: name, ok: true, exitCode: 0, stdout: 'one\n', stderr: 'two\n' });
    }
    const last = events.at(-1)!;
    expect(last).toMatchObject({ type: 'summary', summary: { ok: 5, failed: 0, unreachable: 0, hosts: 5 } });
    expect(events.filter((e) => e.type === 'summary')).toHaveLength(1);
    expect(events.filter((e) => e.type === 'end')).toHaveLength(5);
    for (let i = 1; i < events.length; i++) expect(events[i]!.at).toBeGreaterThanOrEqual(events[i - 1]!.at);
  });

  it('--out-dir writes <dir>/<host>.out and .err for every host, complete past the in-memory output cap', async () => {
    const dir = join(tempDir(), 'out');
    // ~1.4 MB of stdout per host, more than the 1 MiB kept per host in results.
    const r = await runCli(['exec', 'seq 1 200000; echo oops >&2', '-i', inv, '--out-dir', dir, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(readdirSync(dir).sort()).toEqual(NAMES.flatMap((n) => [`${n}.err`, `${n}.out`]).sort());
    const expected = `${Array.from({ length: 200_000 }, (_, i) => i + 1).join('\n')}\n`;
    for (const name of NAMES) {
      expect(readFileSync(join(dir, `${name}.out`), 'utf8') === expected).toBe(true);
      expect(readFileSync(join(dir, `${name}.err`), 'utf8')).toBe('oops\n');
    }
    const doc = JSON.parse(r.stdout) as { hosts: JsonHost[] };
    expect(doc.hosts.every((h) => h.truncated === true)).toBe(true);
  });

  it('--out-dir files are byte-exact copies of each stream (binary, a 200 KiB line, no last newline), inline and forked', async () => {
    // stdout: 1,000,000 random bytes; stderr: one 204,801-byte line of '€' without a newline, so the 64 KiB
    // pieces it travels in end mid-character. Both hosts hold the same files, made from the test (not SSH).
    const make = 'head -c 1000000 /dev/urandom > /tmp/rand.bin; yes € | head -n 68267 | tr -d "\\n" > /tmp/euro.txt; chmod 644 /tmp/rand.bin /tmp/euro.txt';
    const sums: string[] = [];
    for (const host of bench.hosts.slice(0, 2)) {
      expect((await host.exec(make)).exitCode).toBe(0);
      const r = await host.exec('sha256sum < /tmp/rand.bin; sha256sum < /tmp/euro.txt; stat -c %s /tmp/rand.bin /tmp/euro.txt');
      sums.push(r.stdout);
    }
    const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');
    // One big stream per run: src/ssh/exec.ts ends a command at the channel's close, which ssh2 emits once
    // stdout has ended, while stderr data can still be held by a flow-control pause (reported, not ours).
    const runs = [
      { command: 'cat /tmp/rand.bin', file: 'out', sum: 0 },
      { command: 'cat /tmp/euro.txt >&2', file: 'err', sum: 1 },
    ];
    for (const workers of ['0', '2']) {
      for (const run of runs) {
        const dir = join(tempDir(), 'out');
        const r = await runCli(['exec', run.command, '-i', inv, '-l', 'web01,web02', '-w', workers, '--out-dir', dir, '-o', 'json']);
        expect(r.code).toBe(0);
        const doc = JSON.parse(r.stdout) as { hosts: JsonHost[] };
        for (const [i, name] of ['web01', 'web02'].entries()) {
          const [outSum, errSum, outSize, errSize] = sums[i]!.split(/\s+/).filter((w) => w !== '-' && w !== '');
          const file = join(dir, `${name}.${run.file}`);
          expect([workers, statSync(file).size, sha(file)]).toEqual([workers, Number(run.sum ? errSize : outSize), run.sum ? errSum : outSum]);
          expect(statSync(join(dir, `${name}.${run.sum ? 'out' : 'err'}`)).size).toBe(0);
          // JSON keeps text: stdout was not UTF-8 and says so; the cut characters of stderr came out whole.
          const host = doc.hosts[i]!;
          if (run.sum) {
            expect(host).not.toHaveProperty('invalidUtf8');
            expect(host.stderr === '€'.repeat(68_267)).toBe(true);
          } else expect(host.invalidUtf8).toEqual(['stdout']);
        }
      }
    }
    // The last line of a stream without its newline stays without it; an empty line stays one.
    const dir = join(tempDir(), 'out');
    const r = await runCli(['exec', "printf 'one\\n\\ntwo'; printf 'e' >&2", '-i', inv, '-l', 'web01', '--out-dir', dir, '-o', 'json']);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'web01.out'), 'utf8')).toBe('one\n\ntwo');
    expect(readFileSync(join(dir, 'web01.err'), 'utf8')).toBe('e');
    expect((JSON.parse(r.stdout) as { hosts: JsonHost[] }).hosts[0]).not.toHaveProperty('invalidUtf8');
  });

  it('--out-dir in text mode still streams, and hosts with nothing to say get empty files', async () => {
    const dir = tempDir();
    const r = await runCli(['exec', 'cat /tmp/flavour 2>/dev/null || true', '-i', inv, '--out-dir', dir]);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('db-primary | special\n');
    expect(readFileSync(join(dir, 'db-primary.out'), 'utf8')).toBe('special\n');
    expect(readFileSync(join(dir, 'web01.out'), 'utf8')).toBe('');
    expect(readFileSync(join(dir, 'web01.err'), 'utf8')).toBe('');
  });

  it('a flood into a pipe read late and slowly: every line of every host arrives, each host\'s in order', () => {
    // The CLI writes its lines in batches (write-batch.ts) and waits for the pipe's drain when it is full.
    const dir = tempDir('fleet-flood-');
    const file = join(dir, 'out');
    const cli = [process.execPath, CLI, 'exec', 'seq 1 40000', '-i', inv, '--no-progress'].map((w) => `'${w}'`).join(' ');
    const r = spawnSync('bash', ['-o', 'pipefail', '-c', `${cli} 2>/dev/null | { sleep 1; while IFS= read -r l; do printf '%s\\n' "$l"; done; } > ${file}`], {
      env: cleanEnv(),
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    const lines = readFileSync(file, 'utf8').split('\n');
    expect(lines.pop()).toBe('');
    const width = Math.max(...NAMES.map((n) => n.length));
    for (const name of NAMES) {
      const mine = lines.filter((l) => l.startsWith(`${name.padEnd(width)} | `)).map((l) => Number(l.slice(width + 3)));
      expect(mine).toEqual(Array.from({ length: 40000 }, (_, i) => i + 1));
    }
    expect(lines).toHaveLength(NAMES.length * 40000);
  });

  it('ping: one line per host that answered; -o json has every host once', async () => {
    const r = await runCli(['ping', '-i', inv]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n').sort();
    expect(lines).toHaveLength(5);
    for (const [i, line] of lines.entries()) expect(line).toMatch(new RegExp(`^${[...NAMES].sort()[i]} +\\| ok · \\d+\\.\\d\\d s$`));
    const json = await runCli(['ping', '-i', inv, '-o', 'json']);
    const doc = JSON.parse(json.stdout) as { hosts: JsonHost[] };
    expect(doc.hosts.map((h) => [h.host, h.ok])).toEqual(NAMES.map((n) => [n, true]));
  });
});
