import { Document, LineCounter, Scalar } from 'yaml';
import { ANSIBLE_VARS, readAnsibleValue, readAnsibleVariable } from './ansible.js';
import { expandAnsibleHost, splitAnsiblePort } from './ansible-ranges.js';
import type { PathContext } from './fleet-format.js';
import { checkName, expandAt } from './names.js';
import type { RawGroup, RawInventory } from './raw.js';
import { setLayer, type Layer, type SettingsContext } from './settings.js';
import { fail, type Pos, type YamlSource } from './yaml-nodes.js';

/**
 * Ansible's INI inventory (ansible/plugins/inventory/ini.py) as it is: `[group]` host lines with
 * `key=value` variables, `[group:vars]`, `[group:children]`, hosts before any section are ungrouped, ranges
 * `web[01:10]`, `host:port`. The same `ansible_*` variables as the YAML importer mean something to fleet;
 * the rest are playbook data and ignored. Errors carry file:line:column, as Ansible's carry file:line.
 */

const SECTION = /^\[([^:\]\s]+)(?::(\w+))?\]\s*(?:[#;].*)?$/;

/** shlex.split(comments=True) for host lines: quotes group, `#` outside quotes starts a comment. */
function shellWords(line: string): { word: string; at: number }[] {
  const words: { word: string; at: number }[] = [];
  let word: string | undefined;
  let start = 0;
  let quote: string | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < line.length) word = (word ?? '') + line[++i];
      else word = (word ?? '') + c;
    } else if (c === '"' || c === "'") {
      quote = c;
      if (word === undefined) [word, start] = ['', i];
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push({ word, at: start });
      word = undefined;
    } else if (c === '#' && word === undefined) break;
    else {
      if (word === undefined) [word, start] = ['', i];
      word += c === '\\' && i + 1 < line.length ? line[++i] : c;
    }
  }
  if (quote) return [{ word: `\0${quote}`, at: line.length }];
  if (word !== undefined) words.push({ word, at: start });
  return words;
}

/** Ansible runs values through ast.literal_eval; for the variables fleet reads only quoting matters. */
function literal(text: string): string {
  const t = text.trim();
  return /^(['"]).*\1$/.test(t) && t.length >= 2 ? t.slice(1, -1) : t;
}

export function looksLikeIni(text: string): boolean {
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (/^(---|%|\{|- )/.test(line)) return false;
    return SECTION.test(line) || !/:\s|:$/.test(line);
  }
  return false;
}

export function readAnsibleIni(text: string, file: string, paths: PathContext): { raw: RawInventory; src: YamlSource } {
  const lines = new LineCounter();
  const src: YamlSource = { file, lines, doc: new Document() };
  const raw: RawInventory = { defaults: {}, hosts: [], groups: [] };
  const groups = new Map<string, RawGroup>();
  const defined = new Set<string>();
  const pendingVars = new Map<string, Pos>();
  const ctx = (what: string, host?: string): SettingsContext => ({ src, what, perHost: true, ...paths, ...(host ? { host } : {}) });
  const group = (name: string, pos: Pos): RawGroup => {
    let g = groups.get(name);
    if (!g) {
      checkName(src, pos, name, 'group');
      g = { name, pos, vars: {}, hosts: [], children: [] };
      groups.set(name, g);
    }
    return g;
  };
  const assign = (layer: Layer, key: string, value: string, keyPos: Pos, valuePos: Pos, what: SettingsContext): void => {
    const setting = ANSIBLE_VARS[key];
    const node = new Scalar(literal(value));
    if (setting === undefined) return readAnsibleVariable(layer, { key, keyPos, value: node, valuePos });
    const read = readAnsibleValue(setting, { key, keyPos, value: node, valuePos }, what);
    if (read !== undefined) setLayer(layer, setting, read, valuePos);
  };

  let section = { name: 'ungrouped', kind: 'hosts' };
  let offset = 0;
  text.split('\n').forEach((rawLine, index) => {
    const lineStart = offset;
    offset += rawLine.length + 1;
    lines.addNewLine(lineStart);
    const lineNo = index + 1;
    const at = (column: number): Pos => ({ line: lineNo, column: column + 1, offset: lineStart + column });
    const line = rawLine.replace(/\r$/, '');
    const indent = line.length - line.trimStart().length;
    const body = line.trim();
    if (body === '' || body.startsWith('#') || body.startsWith(';')) return;

    if (body.startsWith('[')) {
      const m = SECTION.exec(body);
      if (!m) fail(src, at(indent), `invalid section header ${JSON.stringify(body)} — write [group], [group:vars] or [group:children]`);
      const [, name = '', kind = 'hosts'] = m;
      if (!['hosts', 'vars', 'children'].includes(kind)) {
        fail(src, at(indent), `section [${name}:${kind}] has unknown type "${kind}" — use [${name}], [${name}:vars] or [${name}:children]`);
      }
      section = { name, kind };
      if (name !== 'all' && name !== 'ungrouped') {
        if (kind === 'vars') {
          if (!defined.has(name)) pendingVars.set(name, at(indent));
        } else {
          group(name, at(indent + 1));
          defined.add(name);
          pendingVars.delete(name);
        }
      }
      return;
    }

    if (section.kind === 'vars') {
      const eq = body.indexOf('=');
      if (eq === -1) fail(src, at(indent), `expected key=value in [${section.name}:vars], got ${JSON.stringify(body)}`);
      const key = body.slice(0, eq).trim();
      const valueColumn = indent + eq + 1 + (body.slice(eq + 1).length - body.slice(eq + 1).trimStart().length);
      const target = section.name === 'all' ? raw.defaults : group(section.name, at(indent)).vars;
      assign(target, key, body.slice(eq + 1), at(indent), at(valueColumn), ctx(`[${section.name}:vars]`));
      return;
    }

    if (section.kind === 'children') {
      const child = body.split(/\s+/)[0]!;
      if (section.name === 'all') return;
      group(section.name, at(indent)).children.push({ name: child, pos: at(indent) });
      return;
    }

    const words = shellWords(body);
    const first = words[0]!;
    if (first.word.startsWith('\0')) fail(src, at(indent + first.at), `unclosed quote ${first.word.slice(1)} — close it or remove it`);
    const { name: pattern, port } = splitAnsiblePort(first.word);
    const settings: Layer = {};
    const hostPos = at(indent + first.at);
    if (port !== undefined) setLayer(settings, 'port', port, hostPos);
    for (const { word, at: col } of words.slice(1)) {
      const eq = word.indexOf('=');
      if (eq <= 0) fail(src, at(indent + col), `expected key=value after host ${first.word}, got ${JSON.stringify(word)} — quote values with spaces`);
      assign(settings, word.slice(0, eq), word.slice(eq + 1), at(indent + col), at(indent + col + eq + 1), ctx(`host ${first.word}`, first.word));
    }
    const inGroup = section.name === 'all' || section.name === 'ungrouped' ? undefined : group(section.name, hostPos);
    for (const host of expandAt(src, hostPos, pattern, expandAnsibleHost)) {
      (inGroup ? inGroup.hosts : raw.hosts).push({ name: host, pos: hostPos, settings });
    }
  });

  for (const [name, pos] of pendingVars) fail(src, pos, `section [${name}:vars] is for group ${name}, which is never defined — add a [${name}] section`);
  // Children must be groups (Ansible: "includes undefined group"); group-graph.ts says so with file:line.
  raw.groups = [...groups.values()];
  return { raw, src };
}
