import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Script } from 'node:vm';
import { afterAll, describe, expect, it } from 'vitest';
import { cachePath, wrapCommonJs } from '../../../src/cli/boot/code-cache.js';

const LOADER = resolve('src/cli/boot/code-cache.ts');
const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A bundle the way esbuild writes the CLI's: CommonJS, a shebang, requiring a Node module and a neighbour. */
function bundleIn(dir: string, text = 'hello'): string {
  const file = join(dir, 'app.cjs');
  writeFileSync(join(dir, 'dep.cjs'), 'module.exports = (s) => s.toUpperCase();');
  writeFileSync(
    file,
    `#!/usr/bin/env node\nconst up = require('./dep.cjs');\nconst { basename } = require('node:path');\n` +
      `function greet(x) { return up(x) + ' from ' + basename(__filename); }\n` +
      `process.stdout.write(greet(${JSON.stringify(text)}) + ' ' + process.argv.slice(2).join(','));\n`,
  );
  return file;
}

/** Runs the bundle as the bin does: `node <loader> a b`, the loader's path in argv[1]. */
function run(bundle: string): string {
  const boot = join(bundle, '..', 'boot.mts');
  writeFileSync(boot, `import { runWithCodeCache } from ${JSON.stringify(LOADER)};\nrunWithCodeCache(${JSON.stringify(bundle)});\n`);
  return execFileSync(process.execPath, ['--import', 'tsx', boot, 'a', 'b'], { encoding: 'utf8' });
}

function fresh(): string {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-cc-'));
  dirs.push(dir);
  return dir;
}

describe('runWithCodeCache', () => {
  it('runs the bundle as CommonJS and leaves a cache V8 accepts for the same text', () => {
    const bundle = bundleIn(fresh());
    expect(run(bundle)).toBe('HELLO from app.cjs a,b');
    const source = readFileSync(bundle, 'utf8');
    const { file } = cachePath(bundle, source);
    expect(existsSync(file)).toBe(true);
    const script = new Script(wrapCommonJs(source), { filename: bundle, cachedData: readFileSync(file) });
    expect(script.cachedDataRejected).toBe(false);
    // The second run reads it and behaves the same.
    expect(run(bundle)).toBe('HELLO from app.cjs a,b');
  });

  it('a changed bundle gets a new cache and the old one is removed', () => {
    const dir = fresh();
    const bundle = bundleIn(dir, 'one');
    run(bundle);
    const first = cachePath(bundle, readFileSync(bundle, 'utf8')).file;
    bundleIn(dir, 'two');
    expect(run(bundle)).toBe('TWO from app.cjs a,b');
    const second = cachePath(bundle, readFileSync(bundle, 'utf8')).file;
    expect(second).not.toBe(first);
    expect(readdirSync(join(dir, '.v8-cache'))).toEqual([second.split('/').pop()]);
  });

  it('ignores a cache file others could have written, and replaces it', () => {
    const bundle = bundleIn(fresh());
    run(bundle);
    const { file } = cachePath(bundle, readFileSync(bundle, 'utf8'));
    // A valid cache, but writable by anyone: a trusting loader would use it and leave it as it is.
    chmodSync(file, 0o666);
    expect(run(bundle)).toBe('HELLO from app.cjs a,b');
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it('still runs where no cache can be written', () => {
    const dir = fresh();
    const bundle = bundleIn(dir);
    writeFileSync(join(dir, '.v8-cache'), 'a file where the directory would go');
    expect(run(bundle)).toBe('HELLO from app.cjs a,b');
  });
});
