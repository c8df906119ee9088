// Bundles the CLI, its worker and the library after tsc has written the type declarations to dist/.
// Loading ~100 small modules plus yaml's and commander's CommonJS files cost the CLI ~50 ms of CPU at every
// start, and a deploy script as much again; one file costs a fraction of that. The bundles are CommonJS so that a small loader (src/cli/boot) can
// compile them through V8's code cache, which Node 20 offers only to vm.Script. ssh2 stays external: it loads
// its native crypto binding by a path relative to itself.
//
//   dist/cli/fleet.cjs       the `fleet` bin: loader for fleet-app.cjs
//   dist/cli/fleet-app.cjs   src/cli/main.ts and everything under it
//   dist/cli/worker.cjs      what the CLI forks: loader for worker-app.cjs
//   dist/cli/worker-app.cjs  src/runner/worker/main.ts
//   dist/cli/broker.cjs      the session broker (--persist), src/broker/broker-main.ts; started once, so it
//                            needs no code-cache loader
//   dist/lib/fleet.js        the library (`import { Fleet } from 'fleet-ssh'`), src/index.ts, an ES module;
//                            it forks the CLI's worker and broker bundles, so a script and the CLI share one
//                            broker. The NATS client is a chunk of its own (dist/lib/chunks/), loaded only by
//                            a Fleet on agents (`queue`).
import { build } from 'esbuild';
import { rmSync } from 'node:fs';

const common = {
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  external: ['ssh2', 'cpu-features'],
  // The sources are ESM and find their neighbours (package.json, the worker) from import.meta.url.
  define: { 'import.meta.url': '__fleetUrl' },
  banner: { js: "var __fleetUrl = require('node:url').pathToFileURL(__filename).href;" },
  logLevel: 'warning',
};

const bundles = {
  'fleet.cjs': 'src/cli/boot/fleet.ts',
  'fleet-app.cjs': 'src/cli/main.ts',
  'worker.cjs': 'src/cli/boot/worker.ts',
  'worker-app.cjs': 'src/runner/worker/main.ts',
  'broker.cjs': 'src/broker/broker-main.ts',
};
// A cache compiled from an older bundle is dead weight; the loader writes fresh ones on first use.
rmSync('dist/cli/.v8-cache', { recursive: true, force: true });
// The CLI bundle forks the worker's loader beside it; the transport is told its name here, where it is made.
// The broker bundle forks the same workers, and names itself for its version digest (broker/entry.ts).
const beside = { __FLEET_WORKER_BUNDLE__: JSON.stringify('./worker.cjs'), __FLEET_BROKER_BUNDLE__: JSON.stringify('./broker.cjs') };
const defines = { 'fleet-app.cjs': beside, 'broker.cjs': beside };
for (const [out, entry] of Object.entries(bundles)) {
  const define = { ...common.define, ...(defines[out] ?? {}) };
  await build({ ...common, define, entryPoints: [entry], outfile: `dist/cli/${out}` });
}

// An ES module bundle: the CommonJS it takes in (yaml, the NATS client) needs a require of its own.
await build({
  ...common,
  format: 'esm',
  splitting: true,
  entryPoints: { fleet: 'src/index.ts' },
  outdir: 'dist/lib',
  chunkNames: 'chunks/[name]-[hash]',
  define: { __FLEET_WORKER_BUNDLE__: JSON.stringify('../cli/worker.cjs'), __FLEET_BROKER_BUNDLE__: JSON.stringify('../cli/broker.cjs') },
  banner: { js: "import { createRequire as __fleetRequire } from 'node:module'; const require = __fleetRequire(import.meta.url);" },
});
