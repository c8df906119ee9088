import { parseAdhocHosts, jumpTarget, resolveHostSecrets, type HostConfig, type HostKeyPolicy, type Inventory } from '../../inventory/index.js';
import type { HostTarget } from '../transport/task.js';

/** Settings given for the whole run (CLI flags, API options) that win over the inventory. */
export interface TargetOverrides {
  user?: string;
  identityFiles?: string[];
  password?: string;
  hostKeyPolicy?: HostKeyPolicy;
  connectTimeoutMs?: number;
}

async function toTarget(host: HostConfig, overrides: TargetOverrides, inventory: Inventory, depth: number): Promise<HostTarget> {
  // Secrets are read here, for selected hosts only, and travel to workers over IPC alone.
  const secrets = await resolveHostSecrets(host);
  const password = overrides.password ?? secrets.password;
  // The agent socket is resolved in the controller: workers get no environment of ours to find it in.
  const agent = host.agent && process.env.SSH_AUTH_SOCK ? process.env.SSH_AUTH_SOCK : false;
  const target: HostTarget = {
    host: host.name,
    address: host.address,
    port: host.port,
    user: overrides.user ?? host.user,
    identityFiles: overrides.identityFiles ?? host.identityFile,
    agent,
    knownHostsFile: host.knownHosts,
    hostKeyPolicy: overrides.hostKeyPolicy ?? host.hostKeyPolicy,
    connectTimeoutMs: overrides.connectTimeoutMs ?? host.connectTimeoutMs,
    ...(password !== undefined ? { password } : {}),
    ...(secrets.passphrase !== undefined ? { passphrase: secrets.passphrase } : {}),
  };
  if (host.jump !== undefined && depth < 8) {
    target.jump = await toTarget(jumpHost(host, inventory), overrides, inventory, depth + 1);
  }
  return target;
}

/** A jump is another inventory host when it names one; otherwise `[user@]host[:port]` with this host's settings. */
function jumpHost(host: HostConfig, inventory: Inventory): HostConfig {
  const spec = host.jump!;
  const known = inventory.hosts.find((h) => h.name === jumpTarget(spec));
  if (known) return known;
  const { jump: _jump, ...settings } = host;
  const [parsed] = parseAdhocHosts(spec, settings);
  return { ...parsed!, groups: [] };
}

export function buildTargets(hosts: HostConfig[], inventory: Inventory, overrides: TargetOverrides = {}): Promise<HostTarget[]> {
  return Promise.all(hosts.map((h) => toTarget(h, overrides, inventory, 0)));
}
