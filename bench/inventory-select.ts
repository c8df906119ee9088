/**
 * Selection speed on a 1,000-host inventory (issue 5: `web:&prod:!web03` well under 50 ms). The inventory is
 * written as YAML and read through the real loader, so the hosts look exactly as they do in production use.
 * Prints the median of many runs after warm-up; the first (cold) call, which builds the lookup index, is shown
 * apart. A report, not a test: nothing here asserts a time.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { loadInventory, selectHosts } from '../src/inventory/index.js';

const PATTERN = 'web:&prod:!web03';
const WARMUP = 200;
const RUNS = 2000;

const inventoryYaml = [
  'defaults: { user: deploy, connectTimeout: 5s }',
  'groups:',
  '  web:',
  '    hosts:',
  "      'web[01-600].example.com':",
  '      web03: { address: 10.0.0.3 }',
  '    vars: { user: www }',
  '  db:',
  "    hosts: { 'db[001-399]': }",
  '  dc1:',
  "    hosts: { 'web[01-300].example.com':, 'db[001-200]': , web03: }",
  '  dc2:',
  "    hosts: { 'web[301-600].example.com':, 'db[201-399]': }",
  '  prod:',
  '    children: [dc1]',
  "    hosts: { 'web[301-450].example.com': }",
  '',
].join('\n');

const ms = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e6;

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'fleet-bench-'));
  try {
    const file = path.join(dir, 'inventory.yaml');
    await writeFile(file, inventoryYaml);
    const loadStart = process.hrtime.bigint();
    const inventory = await loadInventory(file);
    const loadMs = ms(loadStart);

    const coldStart = process.hrtime.bigint();
    const selected = selectHosts(inventory, PATTERN);
    const coldMs = ms(coldStart);

    for (let i = 0; i < WARMUP; i++) selectHosts(inventory, PATTERN);
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const start = process.hrtime.bigint();
      selectHosts(inventory, PATTERN);
      times.push(ms(start));
    }
    times.sort((a, b) => a - b);
    const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
    const p99 = times[Math.floor(times.length * 0.99)] ?? Number.NaN;

    console.log(`inventory: ${inventory.hosts.length} hosts, ${inventory.groups.size} groups (load ${loadMs.toFixed(1)} ms)`);
    console.log(`selection "${PATTERN}": ${selected.length} hosts`);
    console.log(`cold first call: ${coldMs.toFixed(3)} ms`);
    console.log(`median of ${RUNS} runs after ${WARMUP} warm-up: ${median.toFixed(3)} ms (p99 ${p99.toFixed(3)} ms)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
