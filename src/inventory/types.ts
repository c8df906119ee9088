/**
 * The typed inventory every other layer consumes. Everything here is plain data (no classes, no functions) so a
 * HostConfig can cross the IPC boundary to a worker unchanged.
 */

import type { HostKeyPolicy } from '../core/host-key-policy.js';

export type { HostKeyPolicy };

/** Where a value was written, so errors found later (an unset env var at run time) can still point at it. */
export interface SourcePosition {
  file?: string;
  line: number;
  column: number;
}

/**
 * A secret as written in the inventory. It is kept unresolved until a selected host needs it: an operator who
 * targets `web` must not be told that the database password's env var is unset.
 */
export type Secret = ({ env: string } | { file: string } | { value: string }) & { at?: SourcePosition };

export interface HostConfig {
  /** The name used in output, selection and folding. */
  name: string;
  /** What is dialled; defaults to the name. */
  address: string;
  port: number;
  user: string;
  /** Absolute paths, tried in order. Empty: the SSH layer falls back to the agent and OpenSSH's default keys. */
  identityFile: string[];
  passphrase?: Secret;
  password?: Secret;
  /** Use $SSH_AUTH_SOCK when it is set. */
  agent: boolean;
  /** Absolute path. */
  knownHosts: string;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs: number;
  /** ProxyJump target `[user@]host[:port]`; may name another inventory host. */
  jump?: string;
  /** Every group the host belongs to, directly or through a child group, in file order. */
  groups: string[];
  /** Free-form values for templates (`{role}`), from `variables:`; absent when there are none. */
  variables?: Record<string, string>;
  /** Agent forwarding on the host's sessions (ssh -A, ForwardAgent). */
  forwardAgent?: boolean;
  /** An agent socket other than $SSH_AUTH_SOCK (ssh_config IdentityAgent). */
  identityAgent?: string;
  /** Keepalive (ssh_config ServerAliveInterval / ServerAliveCountMax). */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** Where each connection value came from (for `fleet hosts`); a field absent here is a built-in default. */
  sources?: HostSources;
}

/** The fields `fleet hosts` explains, each with its origin: `-u`, `hosts.yaml:12`, `~/.ssh/config:3`. */
export type SourcedField =
  | 'address'
  | 'port'
  | 'user'
  | 'identityFile'
  | 'agent'
  | 'knownHosts'
  | 'hostKeyPolicy'
  | 'connectTimeoutMs'
  | 'jump'
  | 'forwardAgent'
  | 'keepalive';

export type SourceKind = 'cli' | 'inventory' | 'ssh_config';

export interface ValueSource {
  kind: SourceKind;
  /** `file:line`, or the flag (`-u`, `-H`) for the command line. */
  at: string;
}

export type HostSources = Partial<Record<SourcedField, ValueSource>>;

export interface InventoryGroup {
  name: string;
  /** All member hosts, including those of descendant groups, in inventory order. */
  hosts: string[];
  /** Direct child groups, as written. */
  children: string[];
  /** Hosts listed in the group itself, in the order listed (Ansible's group order starts with them). */
  own?: string[];
}

export interface Inventory {
  /** The file it was loaded from, as given; absent for ad-hoc inventories. */
  file?: string;
  /** In file order of first appearance. */
  hosts: HostConfig[];
  /** In file order of definition. */
  groups: ReadonlyMap<string, InventoryGroup>;
  /** The inventory's `sshConfig:` (an absolute path, or false for none); absent: the default files. */
  sshConfig?: string | false;
  /**
   * The inventory's `persist:` in ms (0: off): runs on it go through the session broker, which keeps the
   * sessions that long once idle, unless the caller says otherwise (--persist, $FLEET_PERSIST, `broker`).
   */
  persist?: number;
}
