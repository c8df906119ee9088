import { isIPv6 } from 'node:net';
import { ConfigError } from '../core/errors.js';
import { builtinDefaults, type BaseSettings, type DefaultsOptions } from './defaults.js';
import { splitOutsideBrackets } from './pattern.js';
import { expandHostRange } from '../core/host-ranges.js';
import type { HostConfig, HostSources, Inventory } from './types.js';

/**
 * Hosts given on the command line (`-H 'root@10.0.0.[1-5]:2222,web01'`), no inventory file needed. Items are
 * `[user@]host[:port]`, comma separated; a comma inside brackets belongs to a range, and brackets holding a
 * colon are an IPv6 address (`[::1]:2222`). A host written with a port is named `host:port`, so several sshd
 * on one address stay distinct hosts.
 */

interface Item {
  user?: string;
  hosts: string[];
  ports: (number | undefined)[];
  ipv6: boolean;
}

function parseItem(item: string): Item {
  const bad = (why: string): ConfigError => new ConfigError(`-H "${item}": ${why}`);
  const expand = (text: string): string[] => {
    try {
      return expandHostRange(text);
    } catch (err) {
      throw err instanceof ConfigError ? bad(err.message) : err;
    }
  };
  const at = item.lastIndexOf('@');
  const user = at === -1 ? undefined : item.slice(0, at);
  if (user === '') throw bad('empty user before "@" — write user@host or just host');
  const rest = item.slice(at + 1);
  let host = rest;
  let port: string | undefined;
  let ipv6 = false;
  const bracketed = /^\[([^\]]*:[^\]]*)\](?::(.*))?$/.exec(rest);
  if (bracketed) {
    [host, port, ipv6] = [bracketed[1] ?? '', bracketed[2], true];
  } else {
    const masked = rest.replace(/\[[^\]]*\]/g, (m) => '_'.repeat(m.length));
    const colon = masked.indexOf(':');
    if (colon !== -1 && colon === masked.lastIndexOf(':')) [host, port] = [rest.slice(0, colon), rest.slice(colon + 1)];
    else if (colon !== -1) {
      if (!isIPv6(rest)) throw bad('write [user@]host[:port]; put an IPv6 address with a port in brackets: [::1]:22');
      ipv6 = true;
    }
  }
  if (host === '') throw bad('empty host name — write [user@]host[:port]');
  if (ipv6 && !isIPv6(host)) throw bad(`"${host}" is not an IPv6 address`);
  const ports = port === undefined ? [undefined] : expand(port).map((p) => {
    const n = Number(p);
    if (!/^\d+$/.test(p) || n < 1 || n > 65535) throw bad(`port "${p}" must be a whole number from 1 to 65535`);
    return n;
  });
  return { ...(user === undefined ? {} : { user }), hosts: ipv6 ? [host] : expand(host), ports, ipv6 };
}

export function parseAdhocHosts(spec: string, defaults: Partial<BaseSettings> = {}, options: DefaultsOptions = {}): HostConfig[] {
  const given = Object.fromEntries(Object.entries(defaults).filter(([, v]) => v !== undefined)) as Partial<BaseSettings>;
  const base: BaseSettings = { ...builtinDefaults(options), ...given };
  const hosts = new Map<string, HostConfig>();
  for (const text of splitOutsideBrackets(spec, ',').map((s) => s.trim()).filter((s) => s !== '')) {
    const item = parseItem(text);
    for (const address of item.hosts) {
      for (const port of item.ports) {
        const shown = item.ipv6 && port !== undefined ? `[${address}]` : address;
        const name = port === undefined ? address : `${shown}:${port}`;
        if (hosts.has(name)) continue;
        const sources: HostSources = {};
        if (item.user !== undefined || given.user !== undefined) sources.user = { kind: 'cli', at: item.user !== undefined ? '-H' : '-u' };
        if (port !== undefined) sources.port = { kind: 'cli', at: '-H' };
        hosts.set(name, { ...base, name, address, port: port ?? base.port, user: item.user ?? base.user, groups: [], sources });
      }
    }
  }
  if (hosts.size === 0) throw new ConfigError(`-H "${spec}" names no hosts — write [user@]host[:port], comma separated`);
  return [...hosts.values()];
}

/** The same hosts as an Inventory, so `-l` works on them like on a file. */
export function adhocInventory(spec: string, defaults: Partial<BaseSettings> = {}, options: DefaultsOptions = {}): Inventory {
  return { hosts: parseAdhocHosts(spec, defaults, options), groups: new Map() };
}
