import { isScalar, isSeq, type Node } from 'yaml';
import { DURATION_HINT, tryParseDuration } from '../core/duration.js';
import { checkName, expandAt } from './names.js';
import { resolvePath } from './paths.js';
import type { RawGroup, RawGroupRef, RawHost, RawInventory } from './raw.js';
import { readSettings, unknownKeyHint, type SettingsContext } from './settings.js';
import { describe, entries, fail, isNothing, posOf, type Pos, type YamlSource } from './yaml-nodes.js';

/** Reads fleet's own format (DESIGN.md §3): `defaults`, ungrouped `hosts`, `groups` with hosts/vars/children. */

export const FLEET_KEYS: readonly string[] = ['defaults', 'hosts', 'groups', 'sshConfig', 'persist'];
const GROUP_KEYS: readonly string[] = ['hosts', 'vars', 'children'];

export interface PathContext {
  baseDir: string;
  home: string;
}

export function readFleet(src: YamlSource, root: Node, paths: PathContext): RawInventory {
  const raw: RawInventory = { defaults: {}, hosts: [], groups: [] };
  const start: Pos = { line: 1, column: 1, offset: 0 };
  const ctx = (what: string, perHost: boolean, host?: string): SettingsContext => ({
    src, what, perHost, ...paths, ...(host === undefined ? {} : { host }),
  });
  for (const top of entries(src, root, start, 'the inventory')) {
    if (top.key === 'defaults') raw.defaults = readSettings(top.value, top.valuePos, ctx('defaults', false));
    else if (top.key === 'hosts') raw.hosts = readHosts(src, top.value, top.valuePos, 'hosts', ctx);
    else if (top.key === 'groups') raw.groups = readGroups(src, top.value, top.valuePos, ctx);
    else if (top.key === 'sshConfig') raw.sshConfig = readSshConfigKey(src, top.value, top.valuePos, paths);
    else if (top.key === 'persist') raw.persist = readPersistKey(src, top.value, top.valuePos);
    else fail(src, top.keyPos, `unknown top-level key "${top.key}"${unknownKeyHint(top.key, FLEET_KEYS)}`);
  }
  return raw;
}

/** `sshConfig: ./ssh_config` (relative to the inventory) or `sshConfig: false`. */
function readSshConfigKey(src: YamlSource, node: Node | null, at: Pos, paths: PathContext): string | false {
  if (isScalar(node) && node.value === false) return false;
  if (isScalar(node) && typeof node.value === 'string' && node.value.trim() !== '') return resolvePath(node.value, paths.baseDir, paths.home);
  return fail(src, at, `"sshConfig" must be a file path or false, got ${describe(node)}`);
}

/** `persist: 10m` (a bare number is seconds, as in the YAML's other durations); `0` or `false` is off. */
function readPersistKey(src: YamlSource, node: Node | null, at: Pos): number {
  if (isScalar(node) && node.value === false) return 0;
  const raw = isScalar(node) ? node.value : undefined;
  const ms = typeof raw === 'string' || typeof raw === 'number' ? tryParseDuration(raw, { bareNumber: 'seconds' }) : undefined;
  return ms ?? fail(src, at, `"persist" must be ${DURATION_HINT}, or 0 or false for off; got ${describe(node)}`);
}

type MakeContext = (what: string, perHost: boolean, host?: string) => SettingsContext;

/** A mapping of name → settings (value may be empty), or simply a list of names. */
function readHosts(src: YamlSource, node: Node | null, at: Pos, what: string, ctx: MakeContext): RawHost[] {
  const hosts: RawHost[] = [];
  if (isSeq(node)) {
    for (const item of node.items as (Node | null)[]) {
      const pos = posOf(src, item, at);
      if (!isScalar(item) || typeof item.value !== 'string') fail(src, pos, `${what} must list host names, got ${describe(item)}`);
      for (const name of expandAt(src, pos, item.value)) hosts.push({ name, pos, settings: {} });
    }
    return hosts;
  }
  for (const entry of entries(src, node, at, `${what} (host name → settings)`)) {
    const settings = readSettings(entry.value, entry.valuePos, ctx(`host ${entry.key}`, true, entry.key));
    for (const name of expandAt(src, entry.keyPos, entry.key)) hosts.push({ name, pos: entry.keyPos, settings });
  }
  return hosts;
}

function readGroups(src: YamlSource, node: Node | null, at: Pos, ctx: MakeContext): RawGroup[] {
  return entries(src, node, at, 'groups (group name → hosts, vars, children)').map((entry) => {
    checkName(src, entry.keyPos, entry.key, 'group');
    const group: RawGroup = { name: entry.key, pos: entry.keyPos, vars: {}, hosts: [], children: [] };
    for (const part of entries(src, entry.value, entry.valuePos, `group ${entry.key}`)) {
      if (part.key === 'hosts') group.hosts = readHosts(src, part.value, part.valuePos, `hosts of group ${entry.key}`, ctx);
      else if (part.key === 'vars') group.vars = readSettings(part.value, part.valuePos, ctx(`vars of group ${entry.key}`, false));
      else if (part.key === 'children') group.children = readChildren(src, part.value, part.valuePos, entry.key);
      else fail(src, part.keyPos, `unknown key "${part.key}" in group ${entry.key}${unknownKeyHint(part.key, GROUP_KEYS)}`);
    }
    return group;
  });
}

function readChildren(src: YamlSource, node: Node | null, at: Pos, group: string): RawGroupRef[] {
  if (isNothing(node)) return [];
  const expected = `"children" of group ${group} must be a list of group names, like [web, db]`;
  if (!isSeq(node)) fail(src, at, `${expected}, got ${describe(node)}`);
  return (node.items as (Node | null)[]).map((item) => {
    const pos = posOf(src, item, at);
    if (!isScalar(item) || typeof item.value !== 'string') fail(src, pos, `${expected}, got ${describe(item)}`);
    return { name: item.value, pos };
  });
}
