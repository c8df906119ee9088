import os from 'node:os';
import path from 'node:path';
import type { HostConfig } from './types.js';

/** Everything a host needs besides its identity; what a host gets when nothing in the inventory says otherwise. */
export type BaseSettings = Omit<HostConfig, 'name' | 'address' | 'groups'>;

export interface DefaultsOptions {
  env?: NodeJS.ProcessEnv;
  home?: string;
  /** The login name when none is configured; like OpenSSH, the local user. */
  user?: string;
}

function localUser(env: NodeJS.ProcessEnv): string {
  const fromEnv = env.USER ?? env.LOGNAME;
  if (fromEnv) return fromEnv;
  try {
    return os.userInfo().username;
  } catch {
    return 'root';
  }
}

/**
 * OpenSSH's behaviour where it has one (port 22, local user, ~/.ssh/known_hosts, agent); `accept-new` because a
 * fleet tool that stops at every first contact is unusable, and `--strict-host-keys` exists for the careful.
 */
export function builtinDefaults(options: DefaultsOptions = {}): BaseSettings {
  const env = options.env ?? process.env;
  const home = options.home ?? os.homedir();
  return {
    port: 22,
    user: options.user ?? localUser(env),
    identityFile: [],
    agent: true,
    knownHosts: path.join(home, '.ssh', 'known_hosts'),
    hostKeyPolicy: 'accept-new',
    connectTimeoutMs: 10_000,
  };
}
