import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { CLI, cleanEnv, closeCliBench, openCliBench, ROOT, runCli, summaryOf, tempDir } from './support.js';
import { sh, TmuxSession } from './tmux.js';

interface JsonDoc {
  hosts: { host: string; ok: boolean; error?: { code: string; message: string } }[];
  summary: { ok: number; failed: number; unreachable: number; skipped: number; hosts: number };
}

/** `node -e CODE ARGS…` in the package root, where `fleet-ssh` resolves to this package (self-reference). */
function nodeEval(code: string, args: string[], flags: string[] = []): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...flags, '-e', code, ...args], { cwd: ROOT, env: cleanEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    child.on('error', reject);
    child.on('close', (c) => resolve({ code: c, stdout, stderr }));
  });
}

describe('fleet CLI: batches, transfers, packaging', () => {
  let bench: Bench;
  let inv: string;
  let session: TmuxSession | undefined;
  beforeAll(async () => ({ bench, inv } = await openCliBench(3)), 300_000);
  afterEach(() => {
    session?.kill();
    session = undefined;
  });
  afterAll(() => closeCliBench(bench));

  describe('8. batches', () => {
    it('--max-fail counts the batch that ended; hosts never started are skipped, counted apart', async () => {
      // Batches of 2: h02 fails, half of the first batch (> 40%); counted over all 3 hosts it would be 33%.
      const args = ['exec', 'test {host} != h02 && echo ran', '-i', inv, '--batch', '2', '--max-fail', '40%'];
      const text = await runCli(args);
      expect(text.code).toBe(1);
      expect(text.stdout).toBe('h01 | ran\n');
      expect(text.stderr).toMatch(/^h02\s+COMMAND\s+command exited with 1$/m);
      expect(text.stderr).toMatch(/^skipped: h03 \(1\) — not started: more than 40% of the hosts of an earlier batch failed \(max-fail\)$/m);
      expect(summaryOf(text.stderr)).toEqual({ ok: 1, failed: 1, unreachable: 0, skipped: 1, hosts: 3 });

      const json = await runCli([...args, '-o', 'json']);
      const doc = JSON.parse(json.stdout) as JsonDoc;
      expect(doc.summary).toMatchObject({ ok: 1, failed: 1, unreachable: 0, skipped: 1, hosts: 3 });
      expect(doc.hosts.map((h) => [h.host, h.ok, h.error?.code])).toEqual([['h01', true, undefined], ['h02', false, 'COMMAND'], ['h03', false, 'SKIPPED']]);

      const nd = await runCli([...args, '-o', 'ndjson']);
      const ends = nd.stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string });
      expect(ends.filter((e) => e.type === 'end').map((e) => e.host).sort()).toEqual(['h01', 'h02', 'h03']);
      expect((await bench.hosts[2]!.exec('echo')).exitCode).toBe(0);
    });

    it('--fail-fast: the hosts after the failing batch are skipped, and a run without batches never says skipped', async () => {
      const r = await runCli(['exec', 'test {host} != h01', '-i', inv, '--fail-fast', '-f', '1']);
      expect(r.code).toBe(1);
      expect(summaryOf(r.stderr)).toEqual({ ok: 0, failed: 1, unreachable: 0, skipped: 2, hosts: 3 });
      expect(r.stderr).toMatch(/^skipped: h\[02-03\] \(2\) — not started: a host of an earlier batch failed \(fail-fast, max-fail 0%\)$/m);
      const plain = await runCli(['exec', 'true', '-i', inv]);
      expect(plain.stderr).toMatch(/^3 ok · 0 failed · 0 unreachable · 3 hosts in /m);
    });
  });

  describe('9. transfers', () => {
    it('--skip-unchanged reports "0 sent, 1 unchanged"', async () => {
      const file = join(tempDir(), 'same.txt');
      writeFileSync(file, 'same\n');
      const first = await runCli(['put', file, '/tmp/', '-i', inv, '-l', 'h01', '--skip-unchanged']);
      expect(first.stdout).toMatch(/^h01 \| 1 sent, 5 B in \d+(\.\d+)? m?s$/m);
      const again = await runCli(['put', file, '/tmp/', '-i', inv, '-l', 'h01', '--skip-unchanged']);
      expect(again.code).toBe(0);
      expect(again.stdout).toMatch(/^h01 \| 0 sent, 1 unchanged, 0 B in /);
    });

    it('on a terminal the progress line shows the bytes moved and the rate', async () => {
      const file = join(tempDir(), 'big.bin');
      writeFileSync(file, Buffer.alloc(3 * 1024 * 1024, 7));
      // h02 hangs until we see the line with h01's bytes on it, so the run is caught half way.
      await bench.hosts[1]!.pause();
      try {
        session = new TmuxSession(`node ${sh(CLI)} put ${sh(file)} /tmp/ -i ${sh(inv)} -l h01,h02 --connect-timeout 60s`);
        const screen = await session.waitForScreen(/1\/2 · 0 failed · 0 unreachable · \d+\.\d s · 3\.0 MiB · [\d.]+ [KMG]?i?B\/s/);
        expect(screen.replace(/\x1b\[[0-9;]*m/g, "")).toMatch(/h01 \| 1 sent, 3\.0 MiB in /);
      } finally {
        await bench.hosts[1]!.unpause();
      }
      expect(await session.exitCode()).toBe(0);
    });
  });

  describe('9. transfer progress while it runs', () => {
    it('ndjson: progress events with growing bytes come before the host ends, and the end has the total', async () => {
      const file = join(tempDir(), 'live.bin');
      writeFileSync(file, Buffer.alloc(32 * 1024 * 1024, 5));
      const r = await runCli(['put', file, '/tmp/', '-i', inv, '-l', 'h01', '-o', 'ndjson']);
      expect(r.code).toBe(0);
      const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; bytes?: number; result?: { transfer?: { bytes: number } } });
      const progress = events.filter((e) => e.type === 'progress').map((e) => e.bytes!);
      // The first report goes out with the first chunk, the next ones at most every 250 ms.
      expect(progress.length).toBeGreaterThanOrEqual(1);
      expect([...progress].sort((a, b) => a - b)).toEqual(progress);
      expect(progress[0]).toBeGreaterThan(0);
      expect(progress.at(-1)).toBeLessThanOrEqual(32 * 1024 * 1024);
      const end = events.findIndex((e) => e.type === 'end');
      expect(events.findIndex((e) => e.type === 'progress')).toBeLessThan(end);
      expect(events[end]!.result?.transfer?.bytes).toBe(32 * 1024 * 1024);
    });

    it('on a terminal the bytes move before any host has ended', async () => {
      const file = join(tempDir(), 'live-tty.bin');
      writeFileSync(file, Buffer.alloc(64 * 1024 * 1024, 6));
      // 32 KiB in flight makes the upload take seconds; once the line shows bytes with no host done, the
      // point is made and afterEach ends the session.
      session = new TmuxSession(`node ${sh(CLI)} put ${sh(file)} /tmp/ -i ${sh(inv)} -l h01 --window 32K`);
      const screen = await session.waitForScreen(/0\/1 · 0 failed · 0 unreachable · \d+\.\d s · [1-9][\d.]* (KiB|MiB) · [\d.]+ [KMG]?i?B\/s/);
      expect(screen).not.toMatch(/h01 \| 1 sent/);
    });
  });

  describe('10. packaging', () => {
    const program = `
      const { Fleet } = require('fleet-ssh');
      Fleet.fromInventory(process.argv[1]).then(async (fleet) => {
        const report = await fleet.exec('echo {host}');
        console.log(report.results.map((r) => r.stdout.trim()).join(','));
        await fleet.close();
      });`;

    it("require('fleet-ssh') works where Node has require(esm), and says what to do where it has not", async () => {
      const works = await nodeEval(program, [inv]);
      expect(works).toMatchObject({ code: 0, stdout: 'h01,h02,h03\n' });
      const old = await nodeEval("require('fleet-ssh')", [], ['--no-experimental-require-module']);
      expect(old.code).toBe(1);
      expect(old.stderr).toContain("fleet-ssh is an ES module and this Node cannot require() one: use `import { Fleet } from 'fleet-ssh'`");
      const esm = await nodeEval("import('fleet-ssh').then((m) => console.log(typeof m.Fleet))", []);
      expect(esm.stdout).toBe('function\n');
    });

    it('the library is one bundle that forks the bundled worker, and loads the NATS client only for a queue', async () => {
      const code = `
        import('fleet-ssh').then(async ({ Fleet }) => {
          const fleet = await Fleet.fromInventory(process.argv[1], { workers: 2 });
          const report = await fleet.exec('true');
          const children = require('node:child_process').execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' });
          const workers = children.split('\\n').filter((l) => l.includes('dist/cli/worker.cjs')).length;
          const nats = Object.keys(require.cache).some((f) => f.includes('@nats-io'));
          const chunks = require('node:fs').readdirSync('dist/lib/chunks');
          console.log(JSON.stringify({ ok: report.ok, workers, nats, chunks }));
          await fleet.close();
        });`;
      const r = await nodeEval(code, [inv]);
      expect(r.stderr).toBe('');
      const out = JSON.parse(r.stdout) as { ok: boolean; workers: number; nats: boolean; chunks: string[] };
      expect(out).toMatchObject({ ok: true, workers: 2, nats: false });
      // The NATS client is bundled into its own chunk, never into the file every script loads.
      const main = readFileSync(join(ROOT, 'dist/lib/fleet.js'), 'utf8');
      expect(main).not.toContain('jetstream');
      expect(out.chunks.some((c) => c.startsWith('queue-pool-'))).toBe(true);
    });
  });
});
