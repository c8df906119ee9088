import type { RawGroup } from './raw.js';
import { didYouMean } from './suggest.js';
import { fail, type YamlSource } from './yaml-nodes.js';

/** The parent/child structure of groups: validated once, then asked for ancestry and precedence order. */
export interface GroupGraph {
  /** Position of each group in the file; the tie-breaker of precedence. */
  order: ReadonlyMap<string, number>;
  /** The groups themselves plus every ancestor. */
  withAncestors(direct: Iterable<string>): Set<string>;
  /** Application order: ancestors before descendants, otherwise file order (so the later group wins). */
  precedence(groups: Iterable<string>): string[];
}

export function groupGraph(groups: readonly RawGroup[], src: YamlSource): GroupGraph {
  const order = new Map(groups.map((g, i) => [g.name, i]));
  const parents = new Map<string, Set<string>>(groups.map((g) => [g.name, new Set()]));
  for (const group of groups) {
    for (const child of group.children) {
      if (!order.has(child.name)) {
        fail(
          src,
          child.pos,
          `group ${group.name} lists child "${child.name}", which is not a group${didYouMean(child.name, order.keys())} (define it under groups: or fix the name)`,
        );
      }
      parents.get(child.name)?.add(group.name);
    }
  }
  rejectCycles(groups, src);

  const ancestorCache = new Map<string, Set<string>>();
  const ancestors = (name: string): Set<string> => {
    let found = ancestorCache.get(name);
    if (!found) {
      found = new Set();
      for (const parent of parents.get(name) ?? []) for (const a of [parent, ...ancestors(parent)]) found.add(a);
      ancestorCache.set(name, found);
    }
    return found;
  };
  const position = (name: string): number => order.get(name) ?? 0;
  const precedenceCache = new Map<string, string[]>();

  return {
    order,
    withAncestors(direct) {
      const all = new Set<string>();
      for (const name of direct) for (const g of [name, ...ancestors(name)]) all.add(g);
      return all;
    },
    precedence(names) {
      const set = new Set(names);
      const key = [...set].sort().join('\n');
      let result = precedenceCache.get(key);
      if (!result) {
        // The earliest-in-file group whose ancestors in the set are all placed goes next, so later groups win
        // ties and an ancestor always comes before its descendants, even one written further down.
        const waiting = [...set].sort((a, b) => position(a) - position(b));
        const placed = new Set<string>();
        result = [];
        while (waiting.length > 0) {
          const ready = waiting.findIndex((g) => [...ancestors(g)].every((a) => placed.has(a) || !set.has(a)));
          const [next] = waiting.splice(Math.max(0, ready), 1);
          if (next === undefined) break;
          placed.add(next);
          result.push(next);
        }
        precedenceCache.set(key, result);
      }
      return result;
    },
  };
}

function rejectCycles(groups: readonly RawGroup[], src: YamlSource): void {
  const byName = new Map(groups.map((g) => [g.name, g]));
  const done = new Set<string>();
  const path: string[] = [];
  const visit = (group: RawGroup): void => {
    path.push(group.name);
    for (const child of group.children) {
      const at = path.indexOf(child.name);
      if (at !== -1) {
        const loop = [...path.slice(at), child.name].join(' → ');
        fail(src, child.pos, `groups form a cycle: ${loop} — remove "${child.name}" from the children of group ${group.name}`);
      }
      const next = byName.get(child.name);
      if (next && !done.has(next.name)) visit(next);
    }
    path.pop();
    done.add(group.name);
  };
  for (const group of groups) if (!done.has(group.name)) visit(group);
}
