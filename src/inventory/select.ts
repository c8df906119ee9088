import { ConfigError } from '../core/errors.js';
import { globToRegExp, isGlob } from '../core/glob.js';
import { splitPattern } from './pattern.js';
import { expandHostRange, hasHostRange } from '../core/host-ranges.js';
import { closest } from './suggest.js';
import type { HostConfig, Inventory } from './types.js';

/**
 * Ansible-compatible host selection (`-l/--limit`). Terms are applied as Ansible orders them: unions first,
 * then `&` intersections, then `!` exclusions, whatever order they were written in; with no plain term, the
 * start is `all`. Unlike Ansible, a term that names nothing known is an error, not a warning: a mistyped
 * exclusion (`!web3` for `web03`) would otherwise run on exactly the host meant to be spared.
 */

interface Index {
  byName: Map<string, number>;
  members: Map<string, number[]>;
  all: number[];
}

const indexes = new WeakMap<Inventory, Index>();

function indexOf(inventory: Inventory): Index {
  let index = indexes.get(inventory);
  if (!index) {
    const byName = new Map(inventory.hosts.map((h, i) => [h.name, i]));
    const members = new Map<string, number[]>();
    for (const [name] of inventory.groups) {
      members.set(name, ansibleOrder(inventory, name).map((h) => byName.get(h)).filter((i): i is number => i !== undefined));
    }
    index = { byName, members, all: inventory.hosts.map((_, i) => i) };
    indexes.set(inventory, index);
  }
  return index;
}

/**
 * A group's hosts in the order Ansible's Group.get_hosts() gives them, which is what subscripts (`web[0]`,
 * `web[-1]`) count in: the group's own hosts as listed, then its child groups' breadth first.
 */
function ansibleOrder(inventory: Inventory, name: string): string[] {
  const out = new Set<string>();
  const seen = new Set<string>([name]);
  let level = [name];
  while (level.length > 0) {
    const next: string[] = [];
    for (const g of level) {
      const group = inventory.groups.get(g);
      for (const h of group?.own ?? group?.hosts ?? []) out.add(h);
      for (const c of group?.children ?? []) if (!seen.has(c)) (seen.add(c), next.push(c));
    }
    level = next;
  }
  // Whatever membership the walk missed (none, for inventories built by build.ts) still belongs to the group.
  for (const h of inventory.groups.get(name)?.hosts ?? []) out.add(h);
  return [...out];
}

/** Hosts one term stands for; `known` is false when it names no group or host at all. */
interface Match {
  hosts: number[];
  known: boolean;
}

const SUBSCRIPT = /^(.+)\[(?:(-?\d+)|(\d*):(\d*))\]$/;

function matchName(inventory: Inventory, index: Index, term: string): Match {
  if (term === 'all' || term === '*') return { hosts: index.all, known: true };
  if (term === 'ungrouped' && !index.members.has(term)) {
    return { hosts: index.all.filter((i) => inventory.hosts[i]?.groups.length === 0), known: true };
  }
  if (term.startsWith('~') || isGlob(term)) {
    let re: RegExp;
    try {
      // Like Python's re.match, which Ansible uses: anchored at the start only.
      re = term.startsWith('~') ? new RegExp(`^(?:${term.slice(1)})`) : globToRegExp(term);
    } catch (err) {
      throw new ConfigError(`limit term "${term}" is not a valid regular expression: ${(err as Error).message}`);
    }
    const hosts: number[] = [];
    // Ansible's implicit groups `all` and `ungrouped` are groups to a glob or regex too (`*a*` takes `all`).
    if (re.test('all')) hosts.push(...index.all);
    if (re.test('ungrouped') && !index.members.has('ungrouped')) hosts.push(...index.all.filter((i) => inventory.hosts[i]?.groups.length === 0));
    for (const [name, members] of index.members) if (re.test(name)) hosts.push(...members);
    for (const [name, i] of index.byName) if (re.test(name)) hosts.push(i);
    return { hosts, known: hosts.length > 0 };
  }
  const members = index.members.get(term);
  const host = index.byName.get(term);
  if (members && host !== undefined) return { hosts: [...members, host], known: true };
  if (members) return { hosts: members, known: true };
  return host === undefined ? { hosts: [], known: false } : { hosts: [host], known: true };
}

function matchTerm(inventory: Inventory, index: Index, term: string): Match {
  // A regex is only a regex: its brackets are character classes, not subscripts or ranges (as in Ansible).
  if (term.startsWith('~')) return matchName(inventory, index, term);
  const sub = SUBSCRIPT.exec(term);
  const base = sub?.[1];
  // `web[0]`, `web[1:3]` pick by position in a group (Ansible); otherwise brackets are fleet host ranges.
  if (sub && base !== undefined && (index.members.has(base) || sub[2] === undefined)) {
    const { hosts, known } = matchName(inventory, index, base);
    // Counted in match order (a group's own hosts first, as Ansible counts), not inventory order.
    const ordered = [...new Set(hosts)];
    if (sub[2] !== undefined) {
      const at = Number(sub[2]);
      const one = ordered.at(at);
      return { hosts: one === undefined ? [] : [one], known };
    }
    const from = sub[3] ? Number(sub[3]) : 0;
    const to = sub[4] ? Number(sub[4]) : ordered.length - 1;
    return { hosts: ordered.slice(from, to + 1), known };
  }
  if (hasHostRange(term)) {
    const parts = expandHostRange(term).map((t) => matchName(inventory, index, t));
    return { hosts: parts.flatMap((p) => p.hosts), known: parts.some((p) => p.known) };
  }
  return matchName(inventory, index, term);
}

function knownGroups(inventory: Inventory): string {
  const names = [...inventory.groups.keys()];
  return names.length === 0 ? 'none (every host is ungrouped)' : names.join(', ');
}

export function selectHosts(inventory: Inventory, pattern: string): HostConfig[] {
  const index = indexOf(inventory);
  const terms = splitPattern(pattern);
  if (terms.length === 0) throw new ConfigError(`empty limit — give a group, a host or a pattern such as web:&prod:!web03`);
  const plain = terms.filter((t) => !/^[!&]/.test(t));
  const ordered = [...(plain.length > 0 ? plain : ['all']), ...terms.filter((t) => t.startsWith('&')), ...terms.filter((t) => t.startsWith('!'))];

  let selected: number[] = [];
  for (const written of ordered) {
    const op = written[0] === '&' || written[0] === '!' ? written[0] : '';
    const term = written.slice(op.length);
    if (term === '') throw new ConfigError(`limit "${pattern}": "${written}" needs a group, host or pattern after ${op}`);
    const { hosts, known } = matchTerm(inventory, index, term);
    if (!known) {
      const hint = closest(term, [...inventory.groups.keys(), ...index.byName.keys()]);
      throw new ConfigError(
        `limit "${pattern}": "${term}" matches no host or group — ${hint === undefined ? 'known' : `did you mean "${hint}"? Known`} groups: ${knownGroups(inventory)}`,
      );
    }
    if (op === '') {
      const seen = new Set(selected);
      for (const i of hosts) {
        if (seen.has(i)) continue;
        seen.add(i);
        selected.push(i);
      }
    } else {
      const these = new Set(hosts);
      selected = selected.filter((i) => these.has(i) === (op === '&'));
    }
  }
  if (selected.length === 0) throw new ConfigError(`limit "${pattern}" selects no hosts — known groups: ${knownGroups(inventory)}`);
  return selected.map((i) => inventory.hosts[i]).filter((h): h is HostConfig => h !== undefined);
}
