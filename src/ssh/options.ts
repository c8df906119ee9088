import type { HostKeyPolicy } from '../core/host-key-policy.js';

export type { HostKeyPolicy };

/**
 * Everything needed to reach and log in to one host, with secrets already resolved to their values. Built by
 * the layers above from the inventory; never logged, never put in argv or env.
 */
export interface SshHostOptions {
  /** The host's name as the operator knows it (inventory name); every error and event carries it. */
  host: string;
  /** What to connect to: DNS name or IP. */
  address: string;
  port: number;
  user: string;
  password?: string;
  /** Private key files, tried in order: RSA, ECDSA, ed25519; OpenSSH or PEM format. */
  identityFiles?: string[];
  /** Private keys given as text (API use); tried after identityFiles. */
  privateKeys?: string[];
  /** Passphrase for encrypted keys. */
  passphrase?: string;
  /** true: use $SSH_AUTH_SOCK when set; a string: that agent socket. */
  agent?: boolean | string;
  /** Forward the agent to the host's sessions (ssh -A); needs an agent. */
  forwardAgent?: boolean;
  /**
   * Tried when no identity file or key is given, after the agent, if they exist: OpenSSH's defaults. The
   * controller passes its own (~/.ssh/id_ed25519, id_ecdsa, id_rsa of its HOME); absent: those of this process.
   */
  defaultIdentityFiles?: string[];
  /** Where the host was given, so a hint names what to change: the command line (-H) or the inventory. */
  givenOn?: 'cli' | 'inventory';
  /** Default ~/.ssh/known_hosts. */
  knownHostsFile?: string;
  /** Default accept-new. */
  hostKeyPolicy?: HostKeyPolicy;
  /** TCP connect + SSH handshake + authentication must finish in this time. Default 10 s. */
  connectTimeoutMs?: number;
  /** A keepalive every this often; after keepaliveCountMax unanswered ones the host is declared dead. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
  /** ProxyJump: the bastion this host is reached through, itself authenticated like any host. */
  jump?: SshHostOptions;
  /** Called with operator-facing warnings (e.g. host key checking off). */
  onWarning?: (message: string) => void;
}
