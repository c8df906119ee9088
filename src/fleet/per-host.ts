import { ConfigError } from '../core/errors.js';
import { checkTemplate, hostValues, renderTemplate, type HostConfig } from '../inventory/index.js';
import { shellQuote } from '../ssh/shell-quote.js';

/** What a per-host function sees of a host: who it is and how it is reached, never a secret. */
export interface HostInfo {
  name: string;
  address: string;
  port: number;
  /** The user it logs in as, after -u / the `user` option. */
  user: string;
  groups: readonly string[];
  variables: Readonly<Record<string, string>>;
}

/** Text that differs per host: a template (`{host}`), or a function of the host. */
export type PerHost = string | ((host: HostInfo) => string);

/** Builds a host's text from what the controller knows: its inventory entry and the user it logs in as. */
export type Render = (host: HostConfig, user: string) => string;

function hostInfo(host: HostConfig, user: string): HostInfo {
  return { name: host.name, address: host.address, port: host.port, user, groups: [...host.groups], variables: { ...host.variables } };
}

/**
 * A template is checked against every selected host now, before anything runs; a function is called per
 * host when the run starts, and must give a string. `quote` is applied to substituted values only.
 */
export function perHost(text: PerHost, hosts: readonly HostConfig[], what: string, quote?: (value: string) => string): Render {
  if (typeof text === 'function') {
    return (host, user) => {
      const result: unknown = text(hostInfo(host, user));
      if (typeof result !== 'string') throw new ConfigError(`${what} for ${host.name}: the function gave ${typeof result}, not a string`);
      return result;
    };
  }
  if (typeof text !== 'string') throw new ConfigError(`${what}: give a string or a function of the host`);
  checkTemplate(text, hosts, what);
  return (host, user) => renderTemplate(text, hostValues(host, user), quote);
}

/** A command: every substituted value is shell-quoted, so `{role}` can never inject shell syntax. */
export function perHostCommand(command: PerHost, hosts: readonly HostConfig[]): Render {
  return perHost(command, hosts, 'command', shellQuote);
}
