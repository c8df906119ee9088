import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBench, type Bench, type BenchHost, type BenchOptions } from '../bench/hosts.js';
import { writeBenchInventory, type BenchInventoryOptions } from '../bench/inventory.js';

/** The built CLI, run exactly as an operator's shell runs it: `node dist/cli/fleet.cjs`. */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const CLI = join(ROOT, 'dist/cli/fleet.cjs');

/**
 * A stale dist/ would test yesterday's code: every src/*.ts must be older than the bundle it is in — unless it
 * was saved after this test run began (an edit during the run is not a build forgotten before it).
 */
export function assertBuilt(): void {
  if (!existsSync(CLI)) throw new Error('dist/cli/fleet.cjs is missing: run `npm run build` first (`npm test` does)');
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  for (const src of walk(join(ROOT, 'src')).filter((f) => f.endsWith('.ts'))) {
    // Both are bundles: the CLI's sources are checked against the CLI's, the rest against the library's.
    const rel = relative(join(ROOT, 'src'), src);
    const out = join(ROOT, rel.startsWith(`cli${sep}`) ? 'dist/cli/fleet-app.cjs' : 'dist/lib/fleet.js');
    const edited = statSync(src).mtimeMs;
    if (edited > performance.timeOrigin) continue;
    if (!existsSync(out) || statSync(out).mtimeMs < edited) {
      throw new Error(`dist/ is older than ${relative(ROOT, src)}: run \`npm run build\` first (\`npm test\` does)`);
    }
  }
}

/** The test's environment without what would change the CLI's behaviour behind the test's back. */
export function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'FLEET_INVENTORY', 'FLEET_DEBUG']) delete env[name];
  return { ...env, ...extra };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Wall time of the whole process, node start-up included. */
  ms: number;
  /** performance.now() when the process exited (its workers may hold stderr open a little longer). */
  exitedAt: number;
}

export interface CliOptions {
  cwd?: string;
  env?: NodeJS.ProcessEnv;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Run under `ulimit -n N`, as an operator's shell would set it. */
  openFiles?: number;
}

export interface RunningCli {
  child: ChildProcess;
  done: Promise<CliResult>;
  /** Resolves once stdout has shown something matching. */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
}

export function startCli(args: string[], options: CliOptions = {}): RunningCli {
  const started = performance.now();
  const argv = [CLI, ...args];
  const [file, fileArgs] =
    options.openFiles === undefined ? [process.execPath, argv] : ['bash', ['-c', `ulimit -n ${options.openFiles} && exec "$0" "$@"`, process.execPath, ...argv]];
  const child = spawn(file, fileArgs, {
    cwd: options.cwd ?? ROOT,
    env: cleanEnv(options.env),
    // No input: stdin is /dev/null, as under cron. A pipe left open would be read (and waited for) by exec.
    stdio: [options.input !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  const watchers: (() => void)[] = [];
  // Decoded by the streams, so a character cut between two pipe reads is not turned into U+FFFD.
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  child.stdout!.on('data', (text: string) => {
    stdout += text;
    for (const w of [...watchers]) w();
  });
  child.stderr!.on('data', (text: string) => (stderr += text));
  if (options.input !== undefined) child.stdin!.end(options.input);
  let exitedAt = 0;
  child.on('exit', () => (exitedAt = performance.now()));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: exitedAt - started, exitedAt }));
  });
  const waitFor = (pattern: RegExp, timeoutMs = 30_000) =>
    new Promise<void>((resolve, reject) => {
      const check = () => {
        if (!pattern.test(stdout)) return;
        clearTimeout(timer);
        watchers.splice(watchers.indexOf(check), 1);
        resolve();
      };
      const timer = setTimeout(() => reject(new Error(`no ${pattern} on stdout within ${timeoutMs} ms:\n${stdout}\n${stderr}`)), timeoutMs);
      watchers.push(check);
      check();
    });
  return { child, done, waitFor };
}

export function runCli(args: string[], options: CliOptions = {}): Promise<CliResult> {
  return startCli(args, options).done;
}

/** A real inventory for bench hosts in a directory removed by removeTempDirs(). */
export function writeCliInventory(
  bench: Bench,
  options: Omit<BenchInventoryOptions, 'dir' | 'hosts'> = {},
  hosts: BenchHost[] = bench.hosts,
): { file: string; dir: string } {
  return writeBenchInventory(bench, { ...options, hosts, dir: tempDir() });
}

/**
 * What every CLI test file starts from: the built CLI, `n` bench hosts and an inventory for them. Pair with
 * closeCliBench in afterAll.
 */
export async function openCliBench(
  n: number,
  options: { bench?: BenchOptions; inventory?: Omit<BenchInventoryOptions, 'dir' | 'hosts'> } = {},
): Promise<{ bench: Bench; inv: string }> {
  assertBuilt();
  const bench = await startBench(n, options.bench);
  return { bench, inv: writeCliInventory(bench, options.inventory).file };
}

/** Stops the hosts (if they ever started) and removes every directory tempDir() made. */
export async function closeCliBench(bench: Bench | undefined): Promise<void> {
  await bench?.stop();
  removeTempDirs();
}

const made: string[] = [];

/** A fresh empty directory, removed by removeTempDirs(). */
export function tempDir(prefix = 'fleet-cli-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Every directory tempDir() made in this test file (inventories hold the bench's passwords). */
export function removeTempDirs(): void {
  for (const dir of made.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * `2 ok · 1 failed · 0 unreachable · 3 hosts in 1.21 s` → its counts (failed may say `(1 timed out)`;
 * `skipped` only when the line has it).
 */
export function summaryOf(
  stderr: string,
): { ok: number; failed: number; unreachable: number; skipped?: number; hosts: number } | undefined {
  const m = /(\d+) ok · (\d+) failed(?: \(\d+ timed out\))? · (\d+) unreachable · (?:(\d+) skipped · )?(\d+) hosts? in /.exec(stderr);
  if (!m) return undefined;
  const counts = { ok: Number(m[1]), failed: Number(m[2]), unreachable: Number(m[3]) };
  return m[4] === undefined ? { ...counts, hosts: Number(m[5]) } : { ...counts, skipped: Number(m[4]), hosts: Number(m[5]) };
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
