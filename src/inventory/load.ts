import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineCounter, isMap, parseDocument } from 'yaml';
import { ConfigError } from '../errors.js';
import { isAnsibleInventory, readAnsible } from './ansible.js';
import { buildInventory } from './build.js';
import { builtinDefaults, type DefaultsOptions } from './defaults.js';
import { FLEET_KEYS, readFleet } from './fleet-format.js';
import type { Inventory } from './types.js';
import { describe, entries, fail, type Pos, type YamlSource } from './yaml-nodes.js';

export type LoadOptions = DefaultsOptions;

const START: Pos = { line: 1, column: 1, offset: 0 };

/**
 * Parses inventory text. `file` names it in messages and anchors relative paths; the file itself is not read,
 * which keeps this usable for text from elsewhere and for tests.
 */
export function parseInventory(text: string, file: string, options: LoadOptions = {}): Inventory {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: false });
  const src: YamlSource = { file, lines, doc };
  const syntax = doc.errors[0];
  if (syntax) {
    const at = syntax.linePos?.[0];
    // yaml appends its own " at line L, column C:" and a code excerpt; the position goes in front instead.
    const message = syntax.message.replace(/ at line \d+, column \d+:[\s\S]*$/, '');
    fail(src, { line: at?.line ?? 1, column: at?.col ?? 1, offset: syntax.pos[0] }, `YAML syntax error: ${message}`);
  }
  const root = doc.contents;
  if (root === null || (root as { value?: unknown }).value === null) {
    fail(src, START, 'the inventory is empty — list hosts under hosts: or groups: (see inventory.example.yaml)');
  }
  if (!isMap(root)) fail(src, START, `the inventory must be a mapping with defaults:, hosts: and groups:, got ${describe(root)}`);

  const paths = { baseDir: path.dirname(path.resolve(file)), home: options.home ?? os.homedir() };
  const top = entries(src, root, START, 'the inventory');
  let raw;
  if (isAnsibleInventory(top)) {
    const mixed = top.filter((e) => FLEET_KEYS.includes(e.key)).map((e) => e.key);
    const all = top.find((e) => e.key === 'all');
    if (mixed.length > 0 && all) {
      fail(src, all.keyPos, `"all" belongs to Ansible's inventory format, but this file also has fleet's ${mixed.join(', ')} — use one format per file`);
    }
    raw = readAnsible(src, root, paths);
  } else {
    raw = readFleet(src, root, paths);
  }
  return buildInventory(raw, src, builtinDefaults(options));
}

/** Reads and parses an inventory file (fleet's format or Ansible's YAML, detected from the content). */
export async function loadInventory(file: string, options: LoadOptions = {}): Promise<Inventory> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError(`inventory file ${file} ${why} — check the path given with -i or $FLEET_INVENTORY`, { file, cause: err });
  }
  return parseInventory(text, file, options);
}
