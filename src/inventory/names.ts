import { ConfigError } from '../core/errors.js';
import { expandHostRange } from '../core/host-ranges.js';
import { fail, type Pos, type YamlSource } from './yaml-nodes.js';

/**
 * Host and group names must stay addressable by selection patterns: a comma or space would split a term, and a
 * leading `!`, `&` or `~` would be read as an operator.
 */
const UNUSABLE = /[\s,*?]|^[!&~]/;

export const RESERVED_GROUPS: readonly string[] = ['all'];

export function checkName(src: YamlSource, pos: Pos, name: string, kind: 'host' | 'group'): void {
  if (name === '' || UNUSABLE.test(name)) {
    fail(src, pos, `${kind} name ${JSON.stringify(name)} cannot be used in patterns: no spaces, commas, * or ?, and no leading !, & or ~ — rename it`);
  }
  if (kind === 'group' && RESERVED_GROUPS.includes(name)) {
    fail(src, pos, `group name "${name}" is reserved (it always means every host) — rename the group`);
  }
}

/** Expands a host key, re-raising range errors at the key's position. */
export function expandAt(src: YamlSource, pos: Pos, written: string, expand: (s: string) => string[] = expandHostRange): string[] {
  let names: string[];
  try {
    names = expand(written);
  } catch (err) {
    if (err instanceof ConfigError) fail(src, pos, err.message);
    throw err;
  }
  for (const name of names) checkName(src, pos, name, 'host');
  return names;
}
