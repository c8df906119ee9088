import { open, readFile, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LineCounter, isMap, parseDocument } from 'yaml';
import { ConfigError } from '../core/errors.js';
import { readAnsibleIni, looksLikeIni } from './ansible-ini.js';
import { readAnsibleScript } from './ansible-script.js';
import { isAnsibleInventory, readAnsible } from './ansible.js';
import { buildInventory } from './build.js';
import { builtinDefaults, type DefaultsOptions } from './defaults.js';
import { FLEET_KEYS, readFleet } from './fleet-format.js';
import type { Inventory } from './types.js';
import { describe, entries, fail, type Pos, type YamlSource } from './yaml-nodes.js';

export interface LoadOptions extends DefaultsOptions {
  /** How long an executable inventory may run (default 30 s). */
  scriptTimeoutMs?: number;
}

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

/** Ansible's INI format, told apart from YAML by the extension, else by the first line that says something. */
export function parseIniInventory(text: string, file: string, options: LoadOptions = {}): Inventory {
  const paths = { baseDir: path.dirname(path.resolve(file)), home: options.home ?? os.homedir() };
  const { raw, src } = readAnsibleIni(text, file, paths);
  return buildInventory(raw, src, builtinDefaults(options));
}

function isIni(file: string, text: string): boolean {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.ini' || ext === '.cfg') return true;
  if (['.yaml', '.yml', '.json'].includes(ext)) return false;
  return looksLikeIni(text);
}

/** An executable file that a kernel can run: a #! script or an ELF binary (Ansible's script plugin). */
async function isProgram(file: string): Promise<boolean> {
  try {
    const info = await stat(file);
    if (!info.isFile() || (info.mode & 0o111) === 0) return false;
    const handle = await open(file, 'r');
    try {
      const { buffer, bytesRead } = await handle.read(Buffer.alloc(4), 0, 4, 0);
      const head = buffer.subarray(0, bytesRead);
      return head.subarray(0, 2).toString() === '#!' || head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
    } finally {
      await handle.close();
    }
  } catch {
    return false;
  }
}

/**
 * The text of an inventory file, or undefined for an executable (an Ansible dynamic inventory, whose output
 * may differ at every run).
 */
export async function inventoryText(file: string): Promise<string | undefined> {
  if (await isProgram(file)) return undefined;
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'not found' : code === 'EISDIR' ? 'is a directory' : `cannot be read (${code ?? String(err)})`;
    throw new ConfigError(`inventory file ${file} ${why} — check the path given with -i or $FLEET_INVENTORY`, { file, cause: err });
  }
}

/** Parses an inventory file's text in the format its name, else its content, says. Reads nothing else. */
export function parseInventoryText(text: string, file: string, options: LoadOptions = {}): Inventory {
  return isIni(file, text) ? parseIniInventory(text, file, options) : parseInventory(text, file, options);
}

/**
 * Reads and parses an inventory file: an executable is run as an Ansible dynamic inventory; otherwise the
 * content says which format — fleet's YAML, Ansible's YAML, or Ansible's INI.
 */
export async function loadInventory(file: string, options: LoadOptions = {}): Promise<Inventory> {
  const text = await inventoryText(file);
  if (text !== undefined) return parseInventoryText(text, file, options);
  const paths = { baseDir: path.dirname(path.resolve(file)), home: options.home ?? os.homedir() };
  const { raw, src } = await readAnsibleScript(path.resolve(file), paths, options.scriptTimeoutMs !== undefined ? { timeoutMs: options.scriptTimeoutMs } : {});
  return { ...buildInventory(raw, src, builtinDefaults(options)), file };
}
