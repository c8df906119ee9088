import { Fleet, type FleetOptions } from '../fleet/fleet.js';
import { isPrivateQueue } from '../fleet/queue-privacy.js';
import { UsageError } from './errors.js';
import { askPass } from './ask-pass.js';
import { persistOptions } from './persist.js';
import type { OutputOptions, RunOptions, TargetOptions } from './options.js';

/**
 * The Fleet the command line describes: hosts from -H or from an inventory (-i, else $FLEET_INVENTORY,
 * ./inventory.yaml, ./fleet.yaml), with the flags that override the inventory. A missing inventory or a
 * selection of nothing throws the inventory layer's ConfigError, which says what was tried.
 */
export async function openFleet(options: RunOptions | TargetOptions | (RunOptions & OutputOptions), onWarning: (message: string) => void): Promise<Fleet> {
  const run: RunOptions = options;
  const fleetOptions: FleetOptions = {
    onWarning,
    // One call per command: a host's session ends with its task, as it always has (jump sessions are shared),
    // unless --persist hands the sessions to the broker.
    ...persistOptions(run.persist),
    ...(run.limit !== undefined ? { limit: run.limit } : {}),
    ...(run.user !== undefined ? { user: run.user } : {}),
    ...(run.port !== undefined ? { port: run.port } : {}),
    ...(run.sshConfig !== undefined ? { sshConfig: run.sshConfig } : {}),
    ...(run.knownHosts !== undefined ? { knownHosts: run.knownHosts } : {}),
    ...(run.forwardAgent ? { forwardAgent: true } : {}),
    ...(run.forks !== undefined ? { forks: run.forks } : {}),
    ...(run.workers !== undefined ? { workers: run.workers } : {}),
    ...(run.timeout !== undefined ? { timeout: run.timeout } : {}),
    ...(run.connectTimeout !== undefined ? { connectTimeout: run.connectTimeout } : {}),
    ...(run.identity !== undefined ? { identityFile: run.identity } : {}),
    ...(run.strictHostKeys ? { hostKeyPolicy: 'strict' as const } : {}),
    ...(run.retry !== undefined ? { retry: run.retry } : {}),
    ...(run.queue !== undefined && run.queue !== '' ? { queue: run.queueBatch === undefined ? run.queue : { url: run.queue, batchSize: run.queueBatch } } : {}),
    // --out-dir holds a .out and an .err per running host: counted when -f is fitted to `ulimit -n`.
    ...('outDir' in options && options.outDir !== undefined ? { callerFilesPerHost: 2 } : {}),
  };
  const open = (o: FleetOptions) => (run.hosts !== undefined ? Fleet.fromHosts(run.hosts, o) : Fleet.fromInventory(run.inventory, o));
  if (!run.askPass) return open(fleetOptions);
  // Refused before the prompt: nobody types a password the queue would then refuse to carry.
  if (fleetOptions.queue !== undefined && !isPrivateQueue(fleetOptions.queue)) {
    throw new UsageError('--ask-pass with --queue: a prompted password would travel over the queue; use { env: } or { file: } secrets (resolved on each agent), or a tls:// queue URL with credentials');
  }
  // The inventory and the selection are checked before the prompt, so nobody types a password for a typo.
  // (A Fleet forks no worker until its first call: this one costs a parse of the file.)
  await (await open(fleetOptions)).close();
  // Used to log in and for sudo.
  return open({ ...fleetOptions, password: await askPass() });
}
