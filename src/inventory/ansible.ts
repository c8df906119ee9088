import { isMap, isScalar, type Node } from 'yaml';
import { expandAnsibleHost, splitAnsiblePort } from './ansible-ranges.js';
import type { PathContext } from './fleet-format.js';
import { FLEET_KEYS } from './fleet-format.js';
import { checkName, expandAt } from './names.js';
import type { RawGroup, RawInventory } from './raw.js';
import { readValue, setLayer, unknownKeyHint, VARIABLE_NAME, type Layer, type SettingKey, type Settings, type SettingsContext } from './settings.js';
import { describe, entries, fail, type Entry, type Pos, type YamlSource } from './yaml-nodes.js';

/**
 * Imports Ansible's YAML inventory as it is, so existing users need not convert anything. Only the connection
 * variables below mean something to fleet; every other variable is application data for playbooks and is
 * ignored. The structure (hosts / vars / children) is still checked strictly: a typo there loses hosts.
 */

const GROUP_KEYS: readonly string[] = ['hosts', 'vars', 'children'];

export const ANSIBLE_VARS: Readonly<Record<string, SettingKey>> = {
  ansible_host: 'address',
  ansible_ssh_host: 'address',
  ansible_port: 'port',
  ansible_ssh_port: 'port',
  ansible_user: 'user',
  ansible_ssh_user: 'user',
  ansible_ssh_private_key_file: 'identityFile',
  ansible_private_key_file: 'identityFile',
  ansible_password: 'password',
  ansible_ssh_pass: 'password',
  ansible_ssh_password: 'password',
  ansible_host_key_checking: 'hostKeyPolicy',
  ansible_ssh_host_key_checking: 'hostKeyPolicy',
  ansible_ssh_common_args: 'jump',
};

const ENV_LOOKUP = /^\{\{\s*lookup\(\s*['"]env['"]\s*,\s*['"]([A-Za-z_][A-Za-z0-9_]*)['"]\s*\)\s*\}\}$/;
const PROXY_JUMP = /(?:-J\s*|ProxyJump[=\s]\s*)([^\s'"]+)/;

/** `all:` at the top, or top-level keys that are all shaped like Ansible groups and none of fleet's. */
export function isAnsibleInventory(top: readonly Entry[]): boolean {
  if (top.some((e) => e.key === 'all')) return true;
  if (top.length === 0 || top.some((e) => FLEET_KEYS.includes(e.key))) return false;
  return top.every(
    (e) => e.value === null || (isScalar(e.value) && e.value.value === null) ||
      (isMap(e.value) && e.value.items.every((p) => isScalar(p.key) && GROUP_KEYS.includes(String(p.key.value)))),
  );
}

export function readAnsible(src: YamlSource, root: Node, paths: PathContext): RawInventory {
  const raw: RawInventory = { defaults: {}, hosts: [], groups: [] };
  const groups = new Map<string, RawGroup>();
  const ctx = (what: string, host?: string): SettingsContext => ({ src, what, perHost: true, ...paths, ...(host ? { host } : {}) });

  const readGroup = (name: string, node: Node | null, pos: Pos, parent?: RawGroup): void => {
    const isRoot = name === 'all' && parent === undefined;
    if (name === 'all' && !isRoot) fail(src, pos, `group "all" cannot be a child of group ${parent?.name ?? ''} — it already contains every host`);
    let group: RawGroup | undefined;
    if (!isRoot) {
      group = groups.get(name);
      if (!group) {
        checkName(src, pos, name, 'group');
        group = { name, pos, vars: {}, hosts: [], children: [] };
        groups.set(name, group);
      }
      parent?.children.push({ name, pos });
    }
    for (const part of entries(src, node, pos, `group ${name}`)) {
      if (part.key === 'vars') {
        const layer = readVars(part.value, part.valuePos, ctx(`vars of group ${name}`));
        if (group) Object.assign(group.vars, layer);
        else raw.defaults = layer;
      } else if (part.key === 'hosts') {
        for (const entry of entries(src, part.value, part.valuePos, `hosts of group ${name} (host name → variables)`)) {
          const { name: pattern, port } = splitAnsiblePort(entry.key);
          const settings: Layer = {};
          if (port !== undefined) setLayer(settings, 'port', port, entry.keyPos);
          Object.assign(settings, readVars(entry.value, entry.valuePos, ctx(`host ${entry.key}`, entry.key)));
          for (const host of expandAt(src, entry.keyPos, pattern, expandAnsibleHost)) {
            (group ? group.hosts : raw.hosts).push({ name: host, pos: entry.keyPos, settings });
          }
        }
      } else if (part.key === 'children') {
        if (part.value !== null && !isMap(part.value) && !(isScalar(part.value) && part.value.value === null)) {
          fail(src, part.valuePos, `"children" of group ${name} must be a mapping of group names (Ansible format), got ${describe(part.value)}`);
        }
        for (const child of entries(src, part.value, part.valuePos, `children of group ${name}`)) {
          readGroup(child.key, child.value, child.keyPos, group);
        }
      } else {
        fail(src, part.keyPos, `unknown key "${part.key}" in group ${name}${unknownKeyHint(part.key, GROUP_KEYS)} (Ansible groups have hosts, vars and children)`);
      }
    }
  };

  const readVars = (node: Node | null, at: Pos, context: SettingsContext): Layer => {
    const layer: Layer = {};
    for (const entry of entries(src, node, at, context.what)) {
      const key = ANSIBLE_VARS[entry.key];
      if (key === undefined) {
        readAnsibleVariable(layer, entry);
        continue;
      }
      const value = readAnsibleValue(key, entry, context);
      if (value !== undefined) setLayer(layer, key, value, entry.valuePos);
    }
    return layer;
  };

  for (const top of entries(src, root, { line: 1, column: 1, offset: 0 }, 'the inventory')) {
    readGroup(top.key, top.value, top.keyPos);
  }
  raw.groups = [...groups.values()];
  return raw;
}

/**
 * Every other variable that is a plain value becomes a template variable (`{role}`), as it would be a Jinja
 * one in a playbook. Other `ansible_*` settings, lists, maps and templated values mean nothing here.
 */
export function readAnsibleVariable(layer: Layer, entry: Entry): void {
  if (entry.key.startsWith('ansible_') || !VARIABLE_NAME.test(entry.key)) return;
  const value = isScalar(entry.value) ? entry.value.value : undefined;
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') return;
  if (typeof value === 'string' && value.includes('{{')) return;
  const variables = { ...layer.variables?.value, [entry.key]: String(value) };
  setLayer(layer, 'variables', variables, layer.variables?.pos ?? entry.valuePos);
}

export function readAnsibleValue(key: SettingKey, entry: Entry, ctx: SettingsContext): Settings[SettingKey] | undefined {
  const node = entry.value;
  const scalar = isScalar(node) ? node.value : undefined;
  const where = `"${entry.key}" in ${ctx.what}`;
  if (isScalar(node) && node.tag === '!vault') {
    fail(ctx.src, entry.valuePos, `${where} is vault-encrypted, which fleet cannot decrypt — use {{ lookup('env', 'NAME') }} and export NAME`, ctx.host);
  }
  if (typeof scalar === 'string' && scalar.includes('{{')) {
    const env = ENV_LOOKUP.exec(scalar)?.[1];
    if (key === 'password' && env !== undefined) {
      return { env, at: { file: ctx.src.file, line: entry.valuePos.line, column: entry.valuePos.column } };
    }
    fail(ctx.src, entry.valuePos, `${where} uses a Jinja template, which fleet cannot evaluate — write the value itself${key === 'password' ? `, or {{ lookup('env', 'NAME') }}` : ''}`, ctx.host);
  }
  switch (key) {
    case 'port': {
      const port = typeof scalar === 'string' && /^\d+$/.test(scalar) ? Number(scalar) : scalar;
      if (typeof port === 'number' && Number.isInteger(port) && port >= 1 && port <= 65535) return port;
      return fail(ctx.src, entry.valuePos, `${where} must be a whole number from 1 to 65535, got ${describe(node)}`, ctx.host);
    }
    case 'hostKeyPolicy': {
      const on = typeof scalar === 'string' ? scalar.toLowerCase() : scalar;
      if (on === true || on === 'true' || on === 'yes') return 'strict';
      if (on === false || on === 'false' || on === 'no') return 'off';
      return fail(ctx.src, entry.valuePos, `${where} must be true or false, got ${describe(node)}`, ctx.host);
    }
    case 'jump':
      // Only a ProxyJump inside the extra ssh arguments matters to fleet; other arguments are ignored.
      return typeof scalar === 'string' ? PROXY_JUMP.exec(scalar)?.[1] : undefined;
    default:
      return readValue(key, entry, ctx);
  }
}
