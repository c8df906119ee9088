/**
 * `npm run demo`: a small containerised fleet on this machine (5 real OpenSSH hosts, the test image), an
 * inventory for it, and the built CLI run against it the way an operator would — then the fleet is torn
 * down, whatever happened (an error, a failed step, Ctrl-C).
 *
 * Run through npm (it starts the engine and builds first): bash scripts/ensure-engine.sh && npm run build &&
 * node --import tsx scripts/demo.ts
 */
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startBench, type Bench } from '../test/bench/hosts.js';
import { writeInventory } from '../test/runner/support.js';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const CLI = join(ROOT, 'dist/cli/fleet.cjs');
const HOSTS = 5;

const bold = (s: string) => (process.stdout.isTTY && !process.env.NO_COLOR ? `\x1b[1m${s}\x1b[0m` : s);
const say = (s: string) => process.stdout.write(`${s}\n`);

let interrupted = false;

/** Runs the built CLI with the terminal handed over (so it shows colour and progress), shown as typed. */
function fleet(args: string[], shown: string): Promise<number> {
  say(`\n${bold(`$ fleet ${shown}`)}`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { stdio: 'inherit', cwd: ROOT });
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });
}

async function step(args: string[], shown: string): Promise<void> {
  const code = await fleet(args, shown);
  if (interrupted) throw new Error('interrupted');
  if (code !== 0) throw new Error(`fleet ${shown} exited with ${code}`);
}

async function main(): Promise<number> {
  if (!existsSync(CLI)) {
    say('dist/cli/fleet.cjs is missing: run `npm run demo` (it builds first) or `npm run build`.');
    return 1;
  }
  // Ctrl-C reaches the CLI too (same terminal); the demo itself only stops going on and tears down.
  process.on('SIGINT', () => {
    if (interrupted) return;
    interrupted = true;
    say('\ndemo: interrupted — tearing the fleet down');
  });

  say(`demo: starting ${HOSTS} OpenSSH hosts in containers (the first run builds the image; this takes a while)…`);
  let bench: Bench | undefined;
  let inventoryDir: string | undefined;
  const work = mkdtempSync(join(tmpdir(), 'fleet-demo-'));
  try {
    const started = performance.now();
    bench = await startBench(HOSTS);
    if (interrupted) return 130;
    say(`demo: ${HOSTS} hosts up in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    for (const h of bench.hosts) say(`  ${h.name}  ${h.user}@${h.address}:${h.port}`);

    const { file: inventory, dir } = writeInventory(bench);
    inventoryDir = dir;
    const inv = inventory;
    say(`demo: inventory written to ${inv}`);

    const payload = join(work, `fleet-demo-${randomBytes(3).toString('hex')}.txt`);
    const content = `written by the fleet demo at ${new Date().toISOString()}\n${randomBytes(4096).toString('base64')}\n`;
    writeFileSync(payload, content);
    const sum = createHash('sha256').update(content).digest('hex');
    const name = basename(payload);

    await step(['exec', 'df -h /', '-i', inventory], `exec "df -h /" -i ${inv}`);
    await step(['put', payload, '/tmp/', '-i', inventory], `put ${payload} /tmp/ -i ${inv}`);
    // -b folds identical output: one block for all five hosts means every copy is the same.
    await step(['exec', '-b', `sha256sum /tmp/${name}`, '-i', inventory], `exec -b "sha256sum /tmp/${name}" -i ${inv}`);
    say(`local:  ${sum}  ${name}`);
    const check = `echo "${sum}  /tmp/${name}" | sha256sum --check --quiet && echo intact`;
    await step(['exec', check, '-i', inventory], `exec '${check}' -i ${inv}`);
    say(`\ndemo: the file reached all ${HOSTS} hosts intact.`);
    return 0;
  } catch (err) {
    if (interrupted) return 130;
    say(`\ndemo failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    if (bench) {
      say('demo: stopping the hosts…');
      await bench.stop();
    }
    for (const dir of [work, inventoryDir]) if (dir) rmSync(dir, { recursive: true, force: true });
    say('demo: done, nothing left running.');
  }
}

process.exit(await main());
