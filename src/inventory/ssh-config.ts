import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { applySshConfig, type AppliedSshConfig } from './ssh-config-apply.js';
import { readSshConfig, type SshConfigFile } from './ssh-config-file.js';
import type { Inventory } from './types.js';

/**
 * Which ssh_config files apply, as ssh(1) chooses: `-F FILE` alone when given (no system file either);
 * otherwise `~/.ssh/config` then `/etc/ssh/ssh_config`. fleet adds one level between the two: an inventory's
 * `sshConfig:` replaces `~/.ssh/config` (the CLI's -F still wins), and `false` anywhere turns it off.
 */

export interface SshConfigOptions {
  /** -F / FleetOptions.sshConfig: a file, or false for none. */
  explicit?: string | false;
  /** The inventory's own `sshConfig:`, already resolved against the inventory's directory. */
  fromInventory?: string | false;
  home?: string;
  localUser?: string;
  /** The system-wide file; tests point it elsewhere. */
  systemFile?: string;
  onWarning?: (message: string) => void;
}

export const SYSTEM_SSH_CONFIG = '/etc/ssh/ssh_config';

export function sshConfigFiles(options: SshConfigOptions): SshConfigFile[] {
  const home = options.home ?? os.homedir();
  const chosen = options.explicit ?? options.fromInventory;
  if (chosen === false) return [];
  const tilde = (f: string): string => (f === '~' || f.startsWith('~/') ? path.join(home, f.slice(1)) : path.resolve(f));
  if (chosen !== undefined) {
    const file = readSshConfig(tilde(chosen), { home, required: true });
    return file ? [file] : [];
  }
  const files: SshConfigFile[] = [];
  const user = readSshConfig(path.join(home, '.ssh', 'config'), { home });
  if (user) files.push(user);
  const systemFile = options.systemFile ?? SYSTEM_SSH_CONFIG;
  if (existsSync(systemFile)) {
    const system = readSshConfig(systemFile, { home, system: true });
    if (system) files.push(system);
  }
  return files;
}

function localUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.LOGNAME ?? 'root';
  }
}

/** The inventory with ssh_config applied (see ssh-config-apply.ts), plus the jump hops it introduced. */
export function withSshConfig(inventory: Inventory, options: SshConfigOptions): AppliedSshConfig {
  const files = sshConfigFiles({ ...options, ...(inventory.sshConfig !== undefined ? { fromInventory: inventory.sshConfig } : {}) });
  if (files.length === 0) return { inventory, jumpHosts: [] };
  return applySshConfig(inventory, {
    files,
    home: options.home ?? os.homedir(),
    localUser: options.localUser ?? localUser(),
    ...(options.onWarning ? { onWarning: options.onWarning } : {}),
  });
}
