import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/**
 * The layers of README "Architecture", bottom first: a module may import its own layer and those listed for
 * it, nothing else. inventory and ssh are siblings and do not know each other; the CLI sees the facade and the
 * vocabulary only.
 */
const MAY_IMPORT: Record<string, string[]> = {
  core: [],
  inventory: ['core'],
  ssh: ['core'],
  sftp: ['core', 'ssh'],
  // The protocol and both transports (fork, inline); ssh for option types only (see below). It runs no host
  // itself: the inline transport is handed what it runs.
  'runner/transport': ['core', 'ssh'],
  'runner/worker': ['core', 'ssh', 'sftp', 'runner/transport'],
  // Both sides: it speaks the protocol and gives the inline transport the worker's task runner.
  'runner/controller': ['core', 'inventory', 'runner/transport', 'runner/worker'],
  // The session broker (--persist): a process holding WorkerPools, and the client pool that runs on it.
  broker: ['core', 'runner/controller', 'runner/transport'],
  // The submitter's pool and the agent: a pool of agents beside the pool of workers. inventory and ssh for the
  // agent side, which resolves secrets, agent socket and default keys on its own machine.
  queue: ['core', 'inventory', 'ssh', 'runner/controller', 'runner/transport'],
  fleet: ['core', 'inventory', 'ssh', 'runner/controller', 'runner/transport', 'broker', 'queue'],
  index: ['core', 'fleet'],
  'cli/render': ['core'],
  'cli/boot': [],
  cli: ['core', 'fleet', 'cli/render'],
};

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** The layer of a file: the longest key of MAY_IMPORT its path starts with. */
function layerOf(file: string): string {
  const rel = relative(SRC, file).replace(/\.ts$/, '');
  const layer = Object.keys(MAY_IMPORT)
    .filter((l) => rel === l || rel.startsWith(`${l}/`))
    .sort((a, b) => b.length - a.length)[0];
  if (!layer) throw new Error(`${rel}: in no layer of MAY_IMPORT`);
  return layer;
}

function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)\s[^'";]*?from\s+'(\.[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
  );
}

describe('the import graph', () => {
  const files = sources(SRC);

  it('points down the layers only', () => {
    const wrong: string[] = [];
    for (const file of files) {
      const from = layerOf(file);
      for (const target of importsOf(file)) {
        const to = layerOf(target);
        if (to !== from && !MAY_IMPORT[from]!.includes(to)) wrong.push(`${relative(SRC, file)} → ${relative(SRC, target)}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('resolves every relative import to a file', () => {
    const missing = files.flatMap((f) => importsOf(f).filter((t) => !existsSync(t)).map((t) => `${relative(SRC, f)} → ${t}`));
    expect(missing).toEqual([]);
  });

  it('lets runner/transport take only types from ssh (what a host task carries), no ssh code', () => {
    const valued = files
      .filter((f) => layerOf(f) === 'runner/transport')
      .flatMap((f) =>
        [...readFileSync(f, 'utf8').matchAll(/(?:import|export)\s(?!type\s)[^'";]*?from\s+'(\.[^']+)'/g)]
          .filter((m) => layerOf(resolve(dirname(f), m[1]!.replace(/\.js$/, '.ts'))) === 'ssh')
          .map((m) => `${relative(SRC, f)}: ${m[1]}`),
      );
    expect(valued).toEqual([]);
  });

  it('keeps core free of packages and of Node itself', () => {
    const external = files
      .filter((f) => layerOf(f) === 'core')
      .flatMap((f) => [...readFileSync(f, 'utf8').matchAll(/from\s+'([^.][^']*)'/g)].map((m) => `${relative(SRC, f)}: ${m[1]}`));
    expect(external).toEqual([]);
  });

  it('gives every folder a README line saying what lives there and what must not', () => {
    const folders = [...new Set(files.map((f) => dirname(f)))].filter((d) => d !== SRC);
    const bare = folders.filter((d) => !existsSync(join(d, 'README.md'))).map((d) => relative(SRC, d));
    expect(bare).toEqual([]);
  });
});
