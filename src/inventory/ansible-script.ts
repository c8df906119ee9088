import { spawn } from 'node:child_process';
import path from 'node:path';
import { Document, LineCounter, Scalar } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { ANSIBLE_VARS, readAnsibleValue, readAnsibleVariable } from './ansible.js';
import type { PathContext } from './fleet-format.js';
import { checkName, expandAt } from './names.js';
import type { RawGroup, RawHost, RawInventory } from './raw.js';
import { setLayer, type Layer } from './settings.js';
import type { Pos, YamlSource } from './yaml-nodes.js';

/**
 * Executable (dynamic) inventories, as Ansible's script plugin runs them: `prog --list` prints the groups as
 * JSON, with every host's variables under `_meta.hostvars`; without `_meta`, `prog --host NAME` is asked for
 * each host. A program that fails, hangs or prints something else is a ConfigError (exit 2) that carries
 * what it wrote on stderr, which is where such programs explain themselves.
 */

export const SCRIPT_TIMEOUT_MS = 30_000;
const STDERR_SHOWN = 2_000;
const NOWHERE: Pos = { line: 0, column: 0, offset: 0 };

interface Ran {
  stdout: string;
  /** Already formatted for a message: `; its stderr:\n…` or ` (it wrote nothing on stderr)`. */
  said: string;
}

function run(file: string, args: string[], timeoutMs: number, label: string): Promise<Ran> {
  return new Promise((resolve, reject) => {
    // Its own process group, so a timeout kills what it started too (a child holding stdout would keep it open).
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
    child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const timer = setTimeout(() => {
      timedOut = true;
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    const said = (): string => {
      const text = stderr.trim();
      if (text === '') return ' (it wrote nothing on stderr)';
      return `; its stderr:\n${text.length > STDERR_SHOWN ? `${text.slice(0, STDERR_SHOWN)}…` : text}`;
    };
    child.on('error', (err) => {
      clearTimeout(timer);
      reject(new ConfigError(`inventory program ${label} could not be started (${err.message}) — check its #! line and that it is executable`, { file, cause: err }));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (timedOut) reject(new ConfigError(`inventory program ${label} did not finish within ${timeoutMs / 1000} s and was killed${said()}`, { file }));
      else if (code !== 0) reject(new ConfigError(`inventory program ${label} ${signal ? `was killed by ${signal}` : `exited with ${code}`}${said()}`, { file }));
      else resolve({ stdout, said: said() });
    });
  });
}

function parseJson(ran: Ran, label: string, file: string): unknown {
  try {
    return JSON.parse(ran.stdout);
  } catch (err) {
    const shown = ran.stdout.trim().slice(0, 200);
    const why = (err as Error).message.split('\n')[0]!.replace(/, ".*$/, '');
    throw new ConfigError(`inventory program ${label} printed invalid JSON (${why}) on stdout: ${JSON.stringify(shown)}${ran.said}`, { file });
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function stringList(v: unknown, what: string, label: string, file: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
    throw new ConfigError(`inventory program ${label}: ${what} must be a list of names, got ${JSON.stringify(v)?.slice(0, 80)}`, { file });
  }
  return v as string[];
}

export interface ScriptOptions {
  timeoutMs?: number;
}

export async function readAnsibleScript(file: string, paths: PathContext, options: ScriptOptions = {}): Promise<{ raw: RawInventory; src: YamlSource }> {
  const timeoutMs = options.timeoutMs ?? SCRIPT_TIMEOUT_MS;
  const shown = path.relative(process.cwd(), file).startsWith('..') ? file : `./${path.relative(process.cwd(), file)}`;
  const label = `${shown} --list`;
  const src: YamlSource = { file: label, lines: new LineCounter(), doc: new Document() };
  const doc = parseJson(await run(file, ['--list'], timeoutMs, label), label, file);
  if (!isObject(doc)) throw new ConfigError(`inventory program ${label} must print a JSON object of groups, got ${JSON.stringify(doc)?.slice(0, 80)}`, { file });

  const meta = isObject(doc._meta) ? doc._meta : undefined;
  const hostvars = meta && isObject(meta.hostvars) ? meta.hostvars : undefined;
  const raw: RawInventory = { defaults: {}, hosts: [], groups: [] };
  const groups = new Map<string, RawGroup>();
  const listed = new Map<string, RawHost[]>();
  let order = 0;
  const pos = (): Pos => ({ ...NOWHERE, offset: order++ });
  const layerOf = (vars: unknown, what: string, host?: string): Layer => {
    const layer: Layer = {};
    if (!isObject(vars)) return layer;
    for (const [key, value] of Object.entries(vars)) {
      const setting = ANSIBLE_VARS[key];
      if (value === null || typeof value === 'object') continue;
      if (setting === undefined) {
        readAnsibleVariable(layer, { key, keyPos: NOWHERE, value: new Scalar(value), valuePos: NOWHERE });
        continue;
      }
      const ctx = { src, what, perHost: true, ...paths, ...(host ? { host } : {}) };
      const read = readAnsibleValue(setting, { key, keyPos: NOWHERE, value: new Scalar(value), valuePos: NOWHERE }, ctx);
      if (read !== undefined) setLayer(layer, setting, read, NOWHERE);
    }
    return layer;
  };
  const hostEntry = (name: string): RawHost => {
    const [expanded] = expandAt(src, NOWHERE, name, (n) => [n]);
    const entry: RawHost = { name: expanded!, pos: pos(), settings: {} };
    const all = listed.get(name) ?? [];
    all.push(entry);
    listed.set(name, all);
    return entry;
  };

  for (const [name, value] of Object.entries(doc)) {
    if (name === '_meta') continue;
    const body = Array.isArray(value) ? { hosts: value } : value;
    if (!isObject(body)) throw new ConfigError(`inventory program ${label}: group ${name} must be an object with hosts, vars, children, or a list of hosts`, { file });
    const hosts = stringList(body.hosts, `"hosts" of group ${name}`, label, file);
    const children = stringList(body.children, `"children" of group ${name}`, label, file);
    if (name === 'all') {
      raw.defaults = layerOf(body.vars, 'vars of group all');
      for (const h of hosts) raw.hosts.push(hostEntry(h));
      continue;
    }
    if (name === 'ungrouped') {
      for (const h of hosts) raw.hosts.push(hostEntry(h));
      continue;
    }
    checkName(src, NOWHERE, name, 'group');
    const group: RawGroup = groups.get(name) ?? { name, pos: pos(), vars: {}, hosts: [], children: [] };
    groups.set(name, group);
    Object.assign(group.vars, layerOf(body.vars, `vars of group ${name}`));
    for (const h of hosts) group.hosts.push(hostEntry(h));
    for (const c of children) if (c !== 'ungrouped') group.children.push({ name: c, pos: NOWHERE });
  }
  // A child named only in children lists is still a group (Ansible creates it empty).
  for (const g of [...groups.values()]) {
    for (const c of g.children) if (!groups.has(c.name)) groups.set(c.name, { name: c.name, pos: pos(), vars: {}, hosts: [], children: [] });
  }

  const names = [...listed.keys()];
  const varsOf = hostvars
    ? (name: string) => hostvars[name]
    : await perHost(file, names, timeoutMs, shown);
  for (const name of names) {
    const settings = layerOf(varsOf(name), `host ${name}`, name);
    // One listing carries the host's own variables; the others only membership.
    listed.get(name)![0]!.settings = settings;
  }
  raw.groups = [...groups.values()];
  return { raw, src };
}

/** No `_meta`: `prog --host NAME` for each host, a few at a time. */
async function perHost(file: string, names: string[], timeoutMs: number, shown: string): Promise<(name: string) => unknown> {
  const found = new Map<string, unknown>();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < names.length) {
      const name = names[next++]!;
      const label = `${shown} --host ${name}`;
      found.set(name, parseJson(await run(file, ['--host', name], timeoutMs, label), label, file));
    }
  };
  await Promise.all(Array.from({ length: Math.min(8, names.length) }, worker));
  return (name) => found.get(name);
}
