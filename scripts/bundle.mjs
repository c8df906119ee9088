// Bundles the CLI and its worker entry into one file each, beside each other in dist/cli/, after tsc has
// built dist/ (the library keeps tsc's per-module output). Loading ~100 small modules plus yaml's and
// commander's CommonJS files cost the CLI ~50 ms of CPU at every start; one file costs a fraction of that.
// ssh2 stays external: it loads its native crypto binding by a path relative to itself.
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  external: ['ssh2', 'cpu-features'],
  // Bundled CommonJS (yaml, commander) calls require() for Node's own modules; ESM has none by default.
  banner: { js: "import { createRequire as __fleetRequire } from 'node:module'; const require = __fleetRequire(import.meta.url);" },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli/main.js' });
await build({ ...common, entryPoints: ['src/runner/worker-main.ts'], outfile: 'dist/cli/worker-main.js' });
