import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../core/errors.js';
import { evaluateSshConfig, type SshConfigResult, type SshConfigValue } from './ssh-config-eval.js';
import type { SshConfigFile } from './ssh-config-file.js';
import type { HostConfig, HostKeyPolicy, HostSources, Inventory, SourcedField } from './types.js';

/**
 * Fills in what the inventory left to defaults from ssh_config, so `fleet exec -H alias` reaches what
 * `ssh alias` reaches. Precedence across sources: command line > inventory > ssh_config > built-in defaults;
 * a value the inventory (or -H) set is never replaced. Hosts are looked up by the address fleet would dial,
 * which is the inventory name unless `address:` / `ansible_host` says otherwise — as Ansible hands ssh its
 * `ansible_host`.
 */

export interface SshConfigContext {
  files: readonly SshConfigFile[];
  home: string;
  localUser: string;
  onWarning?: (message: string) => void;
}

export interface AppliedSshConfig {
  inventory: Inventory;
  /** ProxyJump hops that are not inventory hosts, resolved through ssh_config themselves. */
  jumpHosts: HostConfig[];
}

const display = (at: SshConfigValue, home: string): string => {
  const file = at.file.startsWith(home + path.sep) ? `~${at.file.slice(home.length)}` : at.file;
  return `${file}:${at.line}`;
};

function bad(at: SshConfigValue, key: string, expected: string): never {
  throw new ConfigError(`${at.file}:${at.line}: ${key} ${JSON.stringify(at.values.join(' '))} must be ${expected}`, { file: at.file, line: at.line });
}

interface TokenContext {
  home: string;
  localUser: string;
  original: string;
  hostName: string;
  user: string;
  port: number;
}

/** ssh_config(5) TOKENS that make sense here; `~` as in OpenSSH. */
function expandTokens(text: string, t: TokenContext): string {
  const out = text.replace(/%([%dhurpnlL])/g, (_m, c: string) => {
    switch (c) {
      case '%': return '%';
      case 'd': return t.home;
      case 'h': return t.hostName;
      case 'u': return t.localUser;
      case 'r': return t.user;
      case 'p': return String(t.port);
      case 'n': return t.original;
      case 'l': return os.hostname();
      default: return os.hostname().split('.')[0] ?? '';
    }
  });
  if (out === '~') return t.home;
  // As in ssh: `~/` is the home directory; any other relative path is relative to where fleet runs.
  return out.startsWith('~/') ? path.join(t.home, out.slice(2)) : path.resolve(out);
}

function yesNo(at: SshConfigValue, key: string): boolean {
  const v = at.values[0]?.toLowerCase();
  if (v === 'yes' || v === 'true') return true;
  if (v === 'no' || v === 'false') return false;
  return bad(at, key, 'yes or no');
}

function whole(at: SshConfigValue, key: string, unit: string): number {
  const v = at.values[0] ?? '';
  if (!/^\d+$/.test(v)) bad(at, key, `a whole number${unit}`);
  return Number(v);
}

const seconds = (at: SshConfigValue, key: string): number => whole(at, key, ' of seconds') * 1000;

function policyOf(at: SshConfigValue): HostKeyPolicy {
  const v = at.values[0]?.toLowerCase();
  // `ask` would prompt; fleet never prompts per host, so it is as strict as yes.
  if (v === 'yes' || v === 'ask') return 'strict';
  if (v === 'accept-new') return 'accept-new';
  if (v === 'no' || v === 'off') return 'off';
  return bad(at, 'StrictHostKeyChecking', 'yes, accept-new, no or ask');
}

interface Resolved {
  host: HostConfig;
  /** ProxyJump as written, hops comma separated; null for `none`. */
  proxyJump?: { hops: string[]; at: SshConfigValue } | null;
}

function resolveOne(host: HostConfig, result: SshConfigResult, ctx: SshConfigContext): Resolved {
  const sources: HostSources = { ...host.sources };
  const next: HostConfig = { ...host, sources };
  const open = (field: SourcedField): boolean => sources[field] === undefined;
  const take = (field: SourcedField, at: SshConfigValue): void => {
    sources[field] = { kind: 'ssh_config', at: display(at, ctx.home) };
  };
  const v = (key: string): SshConfigValue | undefined => result.values.get(key);

  const hostName = v('hostname');
  if (hostName && open('address')) {
    next.address = (hostName.values[0] ?? host.address).replace(/%%|%h/g, (m) => (m === '%%' ? '%' : host.address));
    take('address', hostName);
  }
  const user = v('user');
  if (user && open('user')) {
    next.user = user.values[0] ?? host.user;
    take('user', user);
  }
  const port = v('port');
  if (port && open('port')) {
    const n = Number(port.values[0]);
    if (!/^\d+$/.test(port.values[0] ?? '') || n < 1 || n > 65535) bad(port, 'Port', 'a whole number from 1 to 65535');
    next.port = n;
    take('port', port);
  }
  const tokens: TokenContext = {
    home: ctx.home, localUser: ctx.localUser, original: host.name, hostName: next.address, user: next.user, port: next.port,
  };
  const files = result.identityFiles.filter((f) => f.values[0] !== undefined && f.values[0].toLowerCase() !== 'none');
  if (files.length > 0 && open('identityFile')) {
    next.identityFile = files.map((f) => expandTokens(f.values[0]!, tokens));
    take('identityFile', files[0]!);
  }
  const agentSock = v('identityagent');
  const only = v('identitiesonly');
  if (open('agent')) {
    if (agentSock?.values[0]?.toLowerCase() === 'none') {
      next.agent = false;
      take('agent', agentSock);
    } else if (only && yesNo(only, 'IdentitiesOnly')) {
      // Only the configured keys: agent keys would be offered first and may exhaust MaxAuthTries.
      next.agent = false;
      take('agent', only);
    } else if (agentSock && agentSock.values[0] !== 'SSH_AUTH_SOCK') {
      const written = agentSock.values[0] ?? '';
      next.identityAgent = written.startsWith('$') ? (process.env[written.slice(1)] ?? '') : expandTokens(written, tokens);
      take('agent', agentSock);
    }
  }
  const known = v('userknownhostsfile');
  if (known && open('knownHosts')) {
    const first = known.values[0] ?? '';
    next.knownHosts = first.toLowerCase() === 'none' ? '/dev/null' : expandTokens(first, tokens);
    take('knownHosts', known);
  }
  const strict = v('stricthostkeychecking');
  if (strict && open('hostKeyPolicy')) {
    next.hostKeyPolicy = policyOf(strict);
    take('hostKeyPolicy', strict);
  }
  const timeout = v('connecttimeout');
  if (timeout && open('connectTimeoutMs')) {
    const ms = seconds(timeout, 'ConnectTimeout');
    if (ms > 0) {
      next.connectTimeoutMs = ms;
      take('connectTimeoutMs', timeout);
    }
  }
  const interval = v('serveraliveinterval');
  const count = v('serveralivecountmax');
  if ((interval || count) && open('keepalive')) {
    if (interval) next.keepaliveIntervalMs = seconds(interval, 'ServerAliveInterval');
    if (count) next.keepaliveCountMax = whole(count, 'ServerAliveCountMax', '');
    take('keepalive', (interval ?? count)!);
  }
  const forward = v('forwardagent');
  if (forward && open('forwardAgent')) {
    next.forwardAgent = yesNo(forward, 'ForwardAgent');
    take('forwardAgent', forward);
  }
  const jump = v('proxyjump');
  let proxyJump: Resolved['proxyJump'];
  if (jump && open('jump')) {
    const spec = jump.values.join(',');
    proxyJump = spec.toLowerCase() === 'none' ? null : { hops: spec.split(',').map((s) => s.trim()).filter(Boolean), at: jump };
    take('jump', jump);
  }
  return { host: next, ...(proxyJump !== undefined ? { proxyJump } : {}) };
}

/** `[user@]host[:port]` → its parts, for a hop written in ProxyJump. */
function splitHop(spec: string): { user?: string; host: string; port?: number } {
  const at = spec.lastIndexOf('@');
  const user = at === -1 ? undefined : spec.slice(0, at);
  const rest = spec.slice(at + 1);
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(rest) ?? /^([^:]+)(?::(\d+))?$/.exec(rest);
  const host = m?.[1] ?? rest;
  return { ...(user ? { user } : {}), host, ...(m?.[2] ? { port: Number(m[2]) } : {}) };
}

export function applySshConfig(inventory: Inventory, ctx: SshConfigContext): AppliedSshConfig {
  const names = new Set(inventory.hosts.map((h) => h.name));
  const jumpHosts = new Map<string, HostConfig>();
  const warned = new Set<string>();
  const evaluate = (host: HostConfig): Resolved => {
    const explicitUser = host.sources?.user ? host.user : undefined;
    const result = evaluateSshConfig(ctx.files, { host: host.address, localUser: ctx.localUser, ...(explicitUser ? { user: explicitUser } : {}) });
    for (const s of result.skipped) if (!warned.has(s)) (warned.add(s), ctx.onWarning?.(s));
    return resolveOne(host, result, ctx);
  };

  /** The hop a host jumps through, and every hop before it; `chain` guards against loops. */
  const hopSpec = (hops: string[], at: SshConfigValue, base: HostConfig, chain: string[]): string => {
    let previous: string | undefined;
    for (const hop of hops) {
      const parts = splitHop(hop);
      if (chain.includes(parts.host)) {
        throw new ConfigError(`${at.file}:${at.line}: ProxyJump hosts form a loop: ${[...chain, parts.host].join(' → ')} — set ProxyJump none for one of them`, {
          file: at.file,
          line: at.line,
        });
      }
      // An inventory host keeps its own settings and jump (the runner looks it up by name).
      if (names.has(parts.host)) {
        previous = hop;
        continue;
      }
      const start: HostConfig = {
        ...base,
        name: parts.host,
        address: parts.host,
        groups: [],
        sources: {},
        ...(parts.user ? { user: parts.user } : {}),
        ...(parts.port ? { port: parts.port } : {}),
      };
      if (parts.user) start.sources!.user = { kind: 'ssh_config', at: display(at, ctx.home) };
      if (parts.port) start.sources!.port = { kind: 'ssh_config', at: display(at, ctx.home) };
      delete start.jump;
      const resolved = evaluate(start);
      const hopHost = resolved.host;
      if (previous !== undefined) hopHost.jump = previous;
      else if (resolved.proxyJump) hopHost.jump = hopSpec(resolved.proxyJump.hops, resolved.proxyJump.at, hopHost, [...chain, parts.host]);
      jumpHosts.set(parts.host, hopHost);
      previous = parts.host;
    }
    return previous ?? hops[hops.length - 1]!;
  };

  /**
   * An inventory `jump:` (or Ansible's `-o ProxyJump=`) naming no inventory host is an ssh_config name to ssh
   * (`ssh -J bastion`): its HostName, User and Port apply. The spec is rewritten rather than a host made, so
   * each target's jump still inherits that target's credentials, as before.
   */
  const inventoryJump = (spec: string): string => {
    const parts = splitHop(spec);
    if (names.has(parts.host)) return spec;
    const result = evaluateSshConfig(ctx.files, { host: parts.host, localUser: ctx.localUser, ...(parts.user ? { user: parts.user } : {}) });
    const hostName = result.values.get('hostname')?.values[0]?.replace(/%h/g, parts.host);
    const user = parts.user ?? result.values.get('user')?.values[0];
    const port = parts.port ?? result.values.get('port')?.values[0];
    if (hostName === undefined && user === parts.user && port === parts.port) return spec;
    const host = hostName ?? parts.host;
    return `${user ? `${user}@` : ''}${host.includes(':') ? `[${host}]` : host}${port !== undefined ? `:${port}` : ''}`;
  };

  const hosts = inventory.hosts.map((host) => {
    const resolved = evaluate(host);
    const next = resolved.host;
    if (resolved.proxyJump === null) delete next.jump;
    else if (resolved.proxyJump) next.jump = hopSpec(resolved.proxyJump.hops, resolved.proxyJump.at, next, [host.name]);
    else if (next.jump !== undefined) next.jump = inventoryJump(next.jump);
    return next;
  });
  return { inventory: { ...inventory, hosts }, jumpHosts: [...jumpHosts.values()] };
}
