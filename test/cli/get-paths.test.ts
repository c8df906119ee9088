import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bench } from '../bench/hosts.js';
import { closeCliBench, openCliBench, runCli, tempDir, writeCliInventory } from './support.js';

describe('fleet CLI: per-host local paths stay inside the directory given (defect 10b)', () => {
  let bench: Bench;
  let inv: string;
  beforeAll(async () => {
    ({ bench } = await openCliBench(1));
    const h = bench.hosts[0]!;
    // Inventory names are the operator's (or a dynamic inventory's) to choose; both reach the bench host.
    inv = writeCliInventory(bench, { names: ['../../escape', '..'] }, [h, h]).file;
    await h.exec('echo "from the host" > /tmp/fact.txt');
  });
  afterAll(() => closeCliBench(bench));

  it('get: hosts named ../../escape and .. land in their own directories inside the target', async () => {
    const root = tempDir();
    const target = join(root, 'a', 'b', 'target');
    const r = await runCli(['get', '/tmp/fact.txt', target, '-i', inv]);
    expect(r.stderr).toMatch(/2 ok · 0 failed · 0 unreachable · 2 hosts in /);
    expect(r.code).toBe(0);
    expect(readdirSync(target).sort()).toEqual(['.._.._escape', '__']);
    for (const dir of ['.._.._escape', '__']) expect(readFileSync(join(target, dir, 'fact.txt'), 'utf8')).toBe('from the host\n');
    // Nothing outside the target: not at root/a/escape (../../escape) nor in root/a/b (..).
    expect(readdirSync(join(root, 'a'))).toEqual(['b']);
    expect(readdirSync(join(root, 'a', 'b'))).toEqual(['target']);
    expect(existsSync(join(root, 'a', 'escape'))).toBe(false);
  });

  it('--out-dir names the same hosts\' files with the same function', async () => {
    const out = join(tempDir(), 'out');
    mkdirSync(out);
    const r = await runCli(['exec', 'echo hi', '-i', inv, '--out-dir', out]);
    expect(r.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['.._.._escape.err', '.._.._escape.out', '__.err', '__.out']);
  });
});
