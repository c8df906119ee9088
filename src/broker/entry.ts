import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Set by scripts/bundle.mjs in the CLI and library bundles: the broker bundle's file (the bundler names its
 * outputs, so it says which one to start), as fork-worker.ts is told the worker's. The CLI and a script thus
 * start the same file, and share one broker.
 */
declare const __FLEET_BROKER_BUNDLE__: string | undefined;

/** Built: dist/cli/broker.cjs; sources (tests): through tsx. */
export function brokerEntry(): { file: string; execArgv: string[] } {
  const url = import.meta.url;
  const fromSource = url.endsWith('.ts');
  const bundled = typeof __FLEET_BROKER_BUNDLE__ === 'string' ? __FLEET_BROKER_BUNDLE__ : undefined;
  const name = bundled ?? './broker-main.ts';
  return { file: fileURLToPath(new URL(name, url)), execArgv: fromSource ? ['--import', 'tsx'] : [] };
}

/**
 * Which fleet a broker is: the package version and a digest of the broker's own file, so a rebuilt fleet
 * (same version, new code) replaces the broker an older build left running. Both sides compute it from the
 * same file: the client from what it would start, the broker from what it was started as.
 */
export function fleetVersion(file: string = brokerEntry().file): string {
  // Every entry (src/broker, dist/cli, dist/lib) sits two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  const digest = createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 12);
  return `${pkg.version}+${digest}`;
}
