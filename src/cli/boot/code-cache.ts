import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { constants, Script } from 'node:vm';

/**
 * Runs a CommonJS bundle through V8's code cache, the way Python keeps .pyc files beside its sources.
 *
 * Compiling the CLI bundle and the functions a run touches cost ~20 ms of CPU at every start, before the first
 * host is contacted; Node 20 has no compile cache of its own (module.enableCompileCache is Node 22). The cache
 * sits beside the bundle in `.v8-cache/`, named by a digest of Node's version and the bundle's text (V8 itself
 * checks only the text's length), and is written at exit by a run that found none or had it rejected.
 *
 * A cache is compiled code: only a file owned by this user or root, in a directory no one else can write,
 * is read. Where the install is not writable (a global install run by another user) the bundle simply
 * compiles as it would without this.
 */
export function runWithCodeCache(bundle: string): void {
  const source = readFileSync(bundle, 'utf8');
  const { dir, stem, file } = cachePath(bundle, source);
  const cachedData = readTrusted(dir, file);
  const script = new Script(wrapCommonJs(source), {
    filename: bundle,
    ...(cachedData ? { cachedData } : {}),
    // Without it a dynamic import() inside the bundle would fail: vm scripts get no module loader by default.
    ...(constants?.USE_MAIN_CONTEXT_DEFAULT_LOADER ? { importModuleDynamically: constants.USE_MAIN_CONTEXT_DEFAULT_LOADER } : {}),
  });
  if (!cachedData || script.cachedDataRejected) {
    // At exit the cache also holds the functions this run compiled lazily, not just the top level.
    process.once('exit', () => save(dir, stem, file, () => script.createCachedData()));
  }
  const run = script.runInThisContext() as (exports: object, require: NodeJS.Require, module: object, file: string, dir: string) => void;
  const module = { exports: {}, filename: bundle, id: '.', loaded: false };
  run.call(module.exports, module.exports, createRequire(bundle), module, bundle, dirname(bundle));
}

/** Where the cache of `bundle` with this text lives, for this Node version and architecture. */
export function cachePath(bundle: string, source: string): { dir: string; stem: string; file: string } {
  const dir = join(dirname(bundle), '.v8-cache');
  const stem = `${basename(bundle)}-`;
  const digest = createHash('sha256').update(`${process.version}\0${process.arch}\0`).update(source).digest('hex');
  return { dir, stem, file: join(dir, `${stem}${digest.slice(0, 32)}.bin`) };
}

export function wrapCommonJs(source: string): string {
  // Node's own CommonJS wrapper; the shebang line is not JavaScript.
  const body = source.startsWith('#!') ? `//${source}` : source;
  return `(function (exports, require, module, __filename, __dirname) { ${body}\n});`;
}

/** Owned by this user or root, and writable by no one else. */
function trusted(path: string): boolean {
  const st = statSync(path);
  return (st.uid === (process.getuid?.() ?? 0) || st.uid === 0) && (st.mode & 0o022) === 0;
}

function readTrusted(dir: string, file: string): Buffer | undefined {
  try {
    if (!trusted(dir) || !trusted(file)) return undefined;
    return readFileSync(file);
  } catch {
    return undefined;
  }
}

function save(dir: string, stem: string, file: string, data: () => Buffer): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o755 });
    if (!trusted(dir)) return;
    // Runs started together each write their own file; the rename makes whichever lands last whole.
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data(), { mode: 0o644 });
    renameSync(tmp, file);
    for (const old of readdirSync(dir)) {
      if (old.startsWith(stem) && old.endsWith('.bin') && join(dir, old) !== file) unlinkSync(join(dir, old));
    }
  } catch {
    // A cache that cannot be written only costs the next run its compile time.
  }
}
