import { isAlias, isMap, isScalar, isSeq, type Document, type LineCounter, type Node } from 'yaml';
import { ConfigError } from '../core/errors.js';

/**
 * Reading the YAML syntax tree rather than plain JS values, because every error must point at the line and
 * column the operator has to edit.
 */

export interface YamlSource {
  /** The inventory path as given; it prefixes every message. */
  file: string;
  lines: LineCounter;
  doc: Document;
}

export interface Pos {
  line: number;
  column: number;
  /** Byte offset, to order things by where they appear in the file. */
  offset: number;
}

export interface Entry {
  key: string;
  keyPos: Pos;
  /** Null when the key has no value at all (`web01:`). */
  value: Node | null;
  valuePos: Pos;
}

export function posAt(src: YamlSource, offset: number): Pos {
  const { line, col } = src.lines.linePos(offset);
  return { line, column: col, offset };
}

export function posOf(src: YamlSource, node: Node | null | undefined, fallback: Pos): Pos {
  const start = node?.range?.[0];
  return start === undefined ? fallback : posAt(src, start);
}

export function fail(src: YamlSource, pos: Pos, message: string, host?: string): never {
  const options = { file: src.file, line: pos.line, column: pos.column, ...(host === undefined ? {} : { host }) };
  // Line 0: the source has no lines worth naming (the JSON printed by an executable inventory).
  const where = pos.line > 0 ? `${src.file}:${pos.line}:${pos.column}` : src.file;
  throw new ConfigError(`${where}: ${message}`, options);
}

/** Follows `*alias` to its anchor so anchors work anywhere a value does. */
export function deref(src: YamlSource, node: Node | null | undefined): Node | null {
  if (node && isAlias(node)) return (node.resolve(src.doc) as Node | undefined) ?? null;
  return node ?? null;
}

export function isNothing(node: Node | null): boolean {
  return node === null || (isScalar(node) && node.value === null);
}

/** How a wrong value is shown in a message. */
export function describe(node: Node | null): string {
  if (isNothing(node)) return 'nothing';
  if (isMap(node)) return 'a mapping';
  if (isSeq(node)) return 'a list';
  if (isScalar(node)) return typeof node.value === 'string' ? JSON.stringify(node.value) : String(node.value);
  return 'an unsupported value';
}

/** The entries of a mapping, keys as text; a non-mapping is reported as `what` with the expected shape. */
export function entries(src: YamlSource, node: Node | null, at: Pos, what: string): Entry[] {
  if (isNothing(node)) return [];
  if (!isMap(node)) fail(src, posOf(src, node, at), `${what} must be a mapping, got ${describe(node)}`);
  const seen = new Map<string, Pos>();
  return node.items.map((pair) => {
    const keyNode = pair.key as Node | null;
    const keyPos = posOf(src, keyNode, at);
    if (!isScalar(keyNode) || keyNode.value === null || typeof keyNode.value === 'object') {
      fail(src, keyPos, `keys in ${what} must be plain names, got ${describe(keyNode)}`);
    }
    // Checked here rather than by the YAML parser, which reports duplicates at a less useful position.
    const first = seen.get(String(keyNode.value));
    if (first) {
      const where = what.replace(/ \(.*\)$/, '');
      fail(src, keyPos, `"${String(keyNode.value)}" appears twice in ${where} (first at line ${first.line}) — keep one`);
    }
    seen.set(String(keyNode.value), keyPos);
    const written = pair.value as Node | null;
    // An empty value (`port:`) has a zero-width node after the colon; the key is the better place to point at.
    const range = written?.range;
    const empty = range != null && range[0] === range[1];
    const valuePos = empty ? keyPos : posOf(src, written, keyPos);
    return { key: String(keyNode.value), keyPos, value: deref(src, written), valuePos };
  });
}
