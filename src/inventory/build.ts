import { isDeepStrictEqual } from 'node:util';
import type { BaseSettings } from './defaults.js';
import { groupGraph } from './group-graph.js';
import { checkJumpLoops } from './jump-loops.js';
import type { RawHost, RawInventory } from './raw.js';
import { YAML_KEYS, type Layer, type SettingKey, type Settings } from './settings.js';
import type { HostConfig, HostSources, Inventory, InventoryGroup, SourcedField } from './types.js';
import { fail, type Pos, type YamlSource } from './yaml-nodes.js';

/** Turns what a reader found into the typed Inventory: membership, precedence, and cross-checks. */

interface HostDraft {
  name: string;
  /** The host's own settings, merged over all the places it is listed. */
  layer: Layer;
  direct: Set<string>;
}

const yamlKey = (key: SettingKey): string => Object.keys(YAML_KEYS).find((k) => YAML_KEYS[k] === key) ?? key;

function withoutPosition(value: unknown): unknown {
  if (value !== null && typeof value === 'object' && 'at' in value) {
    const { at: _at, ...rest } = value as Record<string, unknown>;
    return rest;
  }
  return value;
}

function show(key: SettingKey, value: Settings[SettingKey]): string {
  if (key === 'connectTimeoutMs') return `${String(value)}ms`;
  if (value === null) return 'none';
  return typeof value === 'object' || typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/** A host may be listed in several places; the listings may add settings but never contradict each other. */
function mergeListing(draft: HostDraft, listing: RawHost, src: YamlSource): void {
  for (const key of Object.keys(listing.settings) as SettingKey[]) {
    const next = listing.settings[key];
    const prev = draft.layer[key];
    if (next === undefined) continue;
    if (prev === undefined) {
      (draft.layer as Record<SettingKey, { value: unknown; pos: Pos }>)[key] = next;
    } else if (!isDeepStrictEqual(withoutPosition(prev.value), withoutPosition(next.value))) {
      const secret = key === 'password' || key === 'passphrase';
      const here = secret ? 'here' : `to ${show(key, next.value)} here`;
      const there = secret ? 'differently' : `to ${show(key, prev.value)}`;
      fail(
        src,
        next.pos,
        `host ${draft.name} sets "${yamlKey(key)}" ${here}, but ${src.file}:${prev.pos.line}:${prev.pos.column} already set it ${there} — set it in one place`,
        draft.name,
      );
    }
  }
}

function collectHosts(raw: RawInventory, src: YamlSource): HostDraft[] {
  const listings: { host: RawHost; group?: string }[] = [
    ...raw.hosts.map((host) => ({ host })),
    ...raw.groups.flatMap((g) => g.hosts.map((host) => ({ host, group: g.name }))),
  ];
  // File order, whichever section a host first appears in; the sort is stable, so ranges keep their order.
  listings.sort((a, b) => a.host.pos.offset - b.host.pos.offset);
  const drafts = new Map<string, HostDraft>();
  for (const { host, group } of listings) {
    let draft = drafts.get(host.name);
    if (!draft) {
      draft = { name: host.name, layer: {}, direct: new Set() };
      drafts.set(host.name, draft);
    }
    mergeListing(draft, host, src);
    if (group !== undefined) draft.direct.add(group);
  }
  return [...drafts.values()];
}

export function buildInventory(raw: RawInventory, src: YamlSource, base: BaseSettings): Inventory {
  const graph = groupGraph(raw.groups, src);
  const varsOf = new Map(raw.groups.map((g) => [g.name, g.vars]));
  const jumpPositions = new Map<string, Pos>();
  const hosts = collectHosts(raw, src).map((draft): HostConfig => {
    const groups = graph.withAncestors(draft.direct);
    const layers: (Layer | undefined)[] = [raw.defaults, ...graph.precedence(groups).map((g) => varsOf.get(g)), draft.layer];
    const merged: Layer = Object.assign({}, ...layers);
    const variables: Record<string, string> = Object.assign({}, ...layers.map((l) => l?.variables?.value));
    const host: HostConfig = {
      name: draft.name,
      address: merged.address?.value ?? draft.name,
      port: merged.port?.value ?? base.port,
      user: merged.user?.value ?? base.user,
      identityFile: merged.identityFile?.value ?? base.identityFile,
      agent: merged.agent?.value ?? base.agent,
      knownHosts: merged.knownHosts?.value ?? base.knownHosts,
      hostKeyPolicy: merged.hostKeyPolicy?.value ?? base.hostKeyPolicy,
      connectTimeoutMs: merged.connectTimeoutMs?.value ?? base.connectTimeoutMs,
      groups: [...groups].sort((a, b) => (graph.order.get(a) ?? 0) - (graph.order.get(b) ?? 0)),
    };
    const passphrase = merged.passphrase?.value ?? base.passphrase;
    const password = merged.password?.value ?? base.password;
    const jump = merged.jump === undefined ? base.jump : merged.jump.value;
    if (passphrase) host.passphrase = passphrase;
    if (password) host.password = password;
    if (jump) host.jump = jump;
    if (Object.keys(variables).length > 0) host.variables = variables;
    if (merged.jump) jumpPositions.set(host.name, merged.jump.pos);
    host.sources = sourcesOf(merged, src.file);
    return host;
  });
  checkJumpLoops(hosts, (name) => jumpPositions.get(name), src);
  return {
    file: src.file,
    hosts,
    groups: groupsOf(raw, hosts),
    ...(raw.sshConfig !== undefined ? { sshConfig: raw.sshConfig } : {}),
    ...(raw.persist !== undefined ? { persist: raw.persist } : {}),
  };
}

const SOURCED: readonly SettingKey[] = ['address', 'port', 'user', 'identityFile', 'agent', 'knownHosts', 'hostKeyPolicy', 'connectTimeoutMs', 'jump'];

/** Which values the inventory set itself: ssh_config may fill in only the others (CLI > inventory > ssh_config). */
function sourcesOf(merged: Layer, file: string): HostSources {
  const sources: HostSources = {};
  for (const key of SOURCED) {
    const set = merged[key];
    if (set) sources[key as SourcedField] = { kind: 'inventory', at: set.pos.line > 0 ? `${file}:${set.pos.line}` : file };
  }
  return sources;
}

function groupsOf(raw: RawInventory, hosts: readonly HostConfig[]): Map<string, InventoryGroup> {
  const groups = new Map<string, InventoryGroup>(
    raw.groups.map((g) => [
      g.name,
      { name: g.name, hosts: [], children: [...new Set(g.children.map((c) => c.name))], own: [...new Set(g.hosts.map((h) => h.name))] },
    ]),
  );
  for (const host of hosts) for (const g of host.groups) groups.get(g)?.hosts.push(host.name);
  return groups;
}
