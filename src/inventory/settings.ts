import { isMap, isScalar, isSeq, type Node } from 'yaml';
import { DURATION_HINT, tryParseDuration } from '../core/duration.js';
import { resolvePath } from './paths.js';
import { closest } from './suggest.js';
import type { HostKeyPolicy, Secret } from './types.js';
import { describe, entries, fail, isNothing, posOf, type Entry, type Pos, type YamlSource } from './yaml-nodes.js';

/** The connection settings that defaults, group vars and hosts may set, after validation. */
export interface Settings {
  address: string;
  port: number;
  user: string;
  identityFile: string[];
  passphrase: Secret;
  password: Secret;
  agent: boolean;
  knownHosts: string;
  hostKeyPolicy: HostKeyPolicy;
  connectTimeoutMs: number;
  /** Null is an explicit `none`, so a bastion can opt out of the jump its group sets. */
  jump: string | null;
  /** Template values (`{role}`); merged name by name down the precedence chain, not replaced whole. */
  variables: Record<string, string>;
}

export type SettingKey = keyof Settings;

/** One level of the precedence chain, each value with where it was written. */
export type Layer = { [K in SettingKey]?: { value: Settings[K]; pos: Pos } };

/** YAML key → setting; the YAML says `connectTimeout: 10s`, the typed config carries milliseconds. */
export const YAML_KEYS: Readonly<Record<string, SettingKey>> = {
  address: 'address',
  port: 'port',
  user: 'user',
  identityFile: 'identityFile',
  passphrase: 'passphrase',
  password: 'password',
  agent: 'agent',
  knownHosts: 'knownHosts',
  hostKeyPolicy: 'hostKeyPolicy',
  connectTimeout: 'connectTimeoutMs',
  jump: 'jump',
  variables: 'variables',
};

/** Names the templates give every host; a variable cannot take one over. */
const RESERVED_VARIABLES: readonly string[] = ['host', 'address', 'port', 'user'];
export const VARIABLE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Names people bring from ssh_config, Ansible or habit, which plain edit distance would not catch. */
const ALIASES: Readonly<Record<string, string>> = {
  host: 'address', hostname: 'address', ip: 'address', ansible_host: 'address',
  username: 'user', login: 'user', ansible_user: 'user',
  ansible_port: 'port',
  key: 'identityFile', keyfile: 'identityFile', identity: 'identityFile', privatekey: 'identityFile',
  identityfiles: 'identityFile', ansible_ssh_private_key_file: 'identityFile',
  pass: 'password', ansible_password: 'password',
  timeout: 'connectTimeout', connecttimeoutms: 'connectTimeout',
  proxyjump: 'jump', bastion: 'jump',
  stricthostkeychecking: 'hostKeyPolicy', userknownhostsfile: 'knownHosts', knownhostsfile: 'knownHosts',
  forwardagent: 'agent', useagent: 'agent',
};

export const HOST_KEY_POLICIES: readonly HostKeyPolicy[] = ['strict', 'accept-new', 'off'];

export interface SettingsContext {
  src: YamlSource;
  /** How the mapping is named in messages: `defaults`, `host web01`, `vars of group web`. */
  what: string;
  /** Only a host may set its address: one address for a whole group is always a mistake. */
  perHost: boolean;
  baseDir: string;
  home: string;
  host?: string;
}

export function unknownKeyHint(key: string, allowed: readonly string[]): string {
  const alias = ALIASES[key.toLowerCase().replace(/[-\s]/g, '')];
  const match = alias !== undefined && allowed.includes(alias) ? alias : closest(key, allowed);
  return match === undefined ? ` — allowed keys: ${allowed.join(', ')}` : ` — did you mean "${match}"?`;
}

export function readSettings(node: Node | null, at: Pos, ctx: SettingsContext): Layer {
  const layer: Layer = {};
  const allowed = Object.keys(YAML_KEYS).filter((k) => ctx.perHost || k !== 'address');
  for (const entry of entries(ctx.src, node, at, ctx.what)) {
    const key = YAML_KEYS[entry.key];
    if (key === 'address' && !ctx.perHost) {
      fail(ctx.src, entry.keyPos, `"address" cannot be set in ${ctx.what} — each host has its own; set it on the host`, ctx.host);
    }
    if (key === undefined) fail(ctx.src, entry.keyPos, `unknown key "${entry.key}" in ${ctx.what}${unknownKeyHint(entry.key, allowed)}`, ctx.host);
    setLayer(layer, key, readValue(key, entry, ctx), entry.valuePos);
  }
  return layer;
}

export function setLayer<K extends SettingKey>(layer: Layer, key: K, value: Settings[K], pos: Pos): void {
  (layer as Record<K, { value: Settings[K]; pos: Pos }>)[key] = { value, pos };
}

function wrong(entry: Entry, ctx: SettingsContext, expected: string): never {
  fail(ctx.src, entry.valuePos, `"${entry.key}" in ${ctx.what} must be ${expected}, got ${describe(entry.value)}`, ctx.host);
}

function text(entry: Entry, ctx: SettingsContext, expected = 'a string'): string {
  const { value } = entry;
  if (isScalar(value) && typeof value.value === 'string' && value.value.trim() !== '') return value.value;
  if (isScalar(value) && (typeof value.value === 'number' || typeof value.value === 'boolean')) {
    wrong(entry, ctx, `${expected} (put it in quotes)`);
  }
  return wrong(entry, ctx, expected);
}

export function readValue<K extends SettingKey>(key: K, entry: Entry, ctx: SettingsContext): Settings[K];
export function readValue(key: SettingKey, entry: Entry, ctx: SettingsContext): Settings[SettingKey] {
  const { value } = entry;
  const path = (e: Entry): string => resolvePath(text(e, ctx, 'a file path'), ctx.baseDir, ctx.home);
  switch (key) {
    case 'address':
    case 'user':
      return text(entry, ctx);
    case 'port':
      if (isScalar(value) && Number.isInteger(value.value) && (value.value as number) >= 1 && (value.value as number) <= 65535) {
        return value.value as number;
      }
      return wrong(entry, ctx, 'a whole number from 1 to 65535');
    case 'identityFile':
      if (isSeq(value)) {
        return value.items.map((item) => {
          const node = item as Node | null;
          return path({ ...entry, value: node, valuePos: posOf(ctx.src, node, entry.valuePos) });
        });
      }
      return [path(entry)];
    case 'knownHosts':
      return path(entry);
    case 'passphrase':
    case 'password':
      return readSecret(entry, ctx);
    case 'agent':
      if (isScalar(value) && typeof value.value === 'boolean') return value.value;
      return wrong(entry, ctx, 'true or false');
    case 'hostKeyPolicy': {
      const policy = isScalar(value) ? value.value : undefined;
      if (HOST_KEY_POLICIES.includes(policy as HostKeyPolicy)) return policy as HostKeyPolicy;
      const hint = typeof policy === 'string' ? closest(policy, HOST_KEY_POLICIES) : undefined;
      return wrong(entry, ctx, `one of strict, accept-new, off${hint === undefined ? '' : ` (did you mean "${hint}"?)`}`);
    }
    case 'connectTimeoutMs': {
      const raw = isScalar(value) ? value.value : undefined;
      const ms = typeof raw === 'string' || typeof raw === 'number' ? tryParseDuration(raw, { bareNumber: 'seconds' }) : undefined;
      if (ms === undefined || ms <= 0) return wrong(entry, ctx, DURATION_HINT.replace('a duration', 'a positive duration'));
      return ms;
    }
    case 'jump': {
      if (isNothing(value)) return null;
      const target = text(entry, ctx, 'one host as [user@]host[:port], or none');
      if (target === 'none') return null;
      if (/[\s,]/.test(target)) {
        wrong(entry, ctx, 'one host as [user@]host[:port] (chain hops by giving the jump host its own jump)');
      }
      return target;
    }
    case 'variables':
      return readVariables(entry, ctx);
  }
}

/** `variables: { role: web, shard: 3 }`: names as in a shell variable, scalar values kept as text. */
function readVariables(entry: Entry, ctx: SettingsContext): Record<string, string> {
  const variables: Record<string, string> = {};
  if (!isMap(entry.value)) return wrong(entry, ctx, 'a mapping of names to values, such as { role: web }');
  const innerCtx = { ...ctx, what: `"variables" of ${ctx.what}` };
  for (const item of entries(ctx.src, entry.value, entry.valuePos, innerCtx.what)) {
    if (!VARIABLE_NAME.test(item.key)) fail(ctx.src, item.keyPos, `variable name "${item.key}" in ${ctx.what} must be letters, digits and _ (not starting with a digit)`, ctx.host);
    if (RESERVED_VARIABLES.includes(item.key)) {
      fail(ctx.src, item.keyPos, `variable "${item.key}" in ${ctx.what} would hide the built-in {${item.key}} — give it another name`, ctx.host);
    }
    const value = isScalar(item.value) ? item.value.value : undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
      wrong(item, innerCtx, 'a string, number or true/false');
    }
    variables[item.key] = String(value);
  }
  return variables;
}

const SECRET_KINDS = ['env', 'file', 'value'] as const;

function readSecret(entry: Entry, ctx: SettingsContext): Secret {
  const at = { file: ctx.src.file, line: entry.valuePos.line, column: entry.valuePos.column };
  if (!isMap(entry.value)) return { value: text(entry, ctx, 'a string or one of { env: NAME }, { file: path }, { value: text }'), at };
  const inner = entries(ctx.src, entry.value, entry.valuePos, `"${entry.key}" of ${ctx.what}`);
  const first = inner[0];
  if (inner.length !== 1 || first === undefined) {
    wrong(entry, ctx, 'exactly one of { env: NAME }, { file: path } or { value: text }');
  }
  const kind = SECRET_KINDS.find((k) => k === first.key);
  if (kind === undefined) {
    fail(ctx.src, first.keyPos, `unknown key "${first.key}" in "${entry.key}" of ${ctx.what}${unknownKeyHint(first.key, SECRET_KINDS)}`, ctx.host);
  }
  const innerCtx = { ...ctx, what: `"${entry.key}" of ${ctx.what}` };
  if (kind === 'env') {
    const name = text(first, innerCtx, 'an environment variable name');
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) wrong(first, innerCtx, 'an environment variable name');
    return { env: name, at };
  }
  if (kind === 'file') return { file: resolvePath(text(first, innerCtx, 'a file path'), ctx.baseDir, ctx.home), at };
  return { value: text(first, innerCtx), at };
}
