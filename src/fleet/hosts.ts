import { homedir } from 'node:os';
import { resolve } from 'node:path';
import { selectHosts, withSshConfig, type HostConfig, type HostKeyPolicy, type HostSources, type Inventory, type SourcedField } from '../inventory/index.js';
import type { HostTarget } from '../runner/transport/task.js';
import { defaultIdentityFiles } from '../ssh/default-identities.js';

/**
 * The hosts a Fleet works on, with every source applied in its order: command line (FleetOptions) >
 * inventory > ssh_config > built-in defaults. The inventory layer does the middle two; the options are laid
 * over here, on the HostConfigs themselves, so `describe()` and `fleet hosts` show what will really be used
 * and say where each value came from.
 */

export interface HostOverrides {
  user?: string;
  port?: number;
  identityFiles?: string[];
  knownHosts?: string;
  hostKeyPolicy?: HostKeyPolicy;
  connectTimeoutMs?: number;
  forwardAgent?: boolean;
  /** A file, false for none; absent: ~/.ssh/config and /etc/ssh/ssh_config (or the inventory's sshConfig:). */
  sshConfig?: string | false;
}

export interface PreparedHosts {
  selected: HostConfig[];
  /** What jump specs are looked up in: the inventory's hosts plus ProxyJump hops from ssh_config. */
  forTargets: Inventory;
  givenOn: 'cli' | 'inventory';
}

const cli = (at: string) => ({ kind: 'cli' as const, at });

function override(host: HostConfig, o: HostOverrides, withPort: boolean): HostConfig {
  const sources: HostSources = { ...host.sources };
  const next: HostConfig = { ...host, sources };
  const set = <K extends keyof HostConfig>(key: K, value: HostConfig[K] | undefined, field: SourcedField, flag: string): void => {
    if (value === undefined) return;
    next[key] = value;
    sources[field] = cli(flag);
  };
  set('user', o.user, 'user', '-u');
  if (withPort) set('port', o.port, 'port', '-p');
  set('identityFile', o.identityFiles, 'identityFile', '-k');
  set('knownHosts', o.knownHosts === undefined ? undefined : resolve(o.knownHosts), 'knownHosts', '--known-hosts');
  set('hostKeyPolicy', o.hostKeyPolicy, 'hostKeyPolicy', '--strict-host-keys');
  set('connectTimeoutMs', o.connectTimeoutMs, 'connectTimeoutMs', '--connect-timeout');
  set('forwardAgent', o.forwardAgent, 'forwardAgent', '-A');
  return next;
}

export function prepareHosts(
  inventory: Inventory,
  limit: string,
  o: HostOverrides,
  givenOn: 'cli' | 'inventory',
  onWarning?: (message: string) => void,
): PreparedHosts {
  const applied = withSshConfig(inventory, {
    ...(o.sshConfig !== undefined ? { explicit: o.sshConfig } : {}),
    ...(onWarning ? { onWarning } : {}),
  });
  // -p is the destination's port, as with ssh: jump hosts keep their own.
  const hosts = applied.inventory.hosts.map((h) => override(h, o, false));
  const jumpHosts = applied.jumpHosts.map((h) => override(h, o, false));
  const overridden: Inventory = { ...applied.inventory, hosts };
  const selected = selectHosts(overridden, limit).map((h) => (o.port === undefined ? h : override(h, { port: o.port }, true)));
  return { selected, forTargets: { ...overridden, hosts: [...hosts, ...jumpHosts] }, givenOn };
}

/**
 * Adds to the runner's targets what it does not copy from a HostConfig (agent forwarding, IdentityAgent,
 * keepalive, default keys, where the host was given), down the jump chain too.
 */
export function completeTargets(targets: HostTarget[], prepared: PreparedHosts): HostTarget[] {
  const byName = new Map<string, HostConfig>();
  for (const h of prepared.forTargets.hosts) byName.set(h.name, h);
  for (const h of prepared.selected) byName.set(h.name, h);
  const defaults = defaultIdentityFiles(homedir());
  const complete = (target: HostTarget, parent: HostConfig | undefined, top: boolean): HostTarget => {
    const config = byName.get(target.host) ?? parent;
    const next: HostTarget = { ...target, defaultIdentityFiles: defaults, givenOn: top ? prepared.givenOn : 'inventory' };
    if (config?.forwardAgent) next.forwardAgent = true;
    if (config?.keepaliveIntervalMs !== undefined) next.keepaliveIntervalMs = config.keepaliveIntervalMs;
    if (config?.keepaliveCountMax !== undefined) next.keepaliveCountMax = config.keepaliveCountMax;
    if (config?.identityAgent !== undefined && config.agent) next.agent = config.identityAgent === '' ? false : config.identityAgent;
    if (target.jump) next.jump = complete(target.jump, config, false);
    return next;
  };
  return targets.map((t) => complete(t, undefined, true));
}
