/**
 * ssh_config(5) PATTERNS: `*` any run, `?` exactly one character, a comma- or space-separated list where a
 * negated entry (`!pat`) that matches rejects the whole list. Written out because the `ssh-config` package's
 * matcher lets `?` match nothing, so `Host web?` would also take `web`.
 */

const cache = new Map<string, RegExp>();

function toRegExp(pattern: string): RegExp {
  let re = cache.get(pattern);
  if (!re) {
    const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`, 'i');
    cache.set(pattern, re);
  }
  return re;
}

export function patternListMatches(patterns: readonly string[], text: string): boolean {
  let matched = false;
  for (const item of patterns.flatMap((p) => p.split(','))) {
    if (item === '') continue;
    const negated = item.startsWith('!');
    if (toRegExp(negated ? item.slice(1) : item).test(text)) {
      if (negated) return false;
      matched = true;
    }
  }
  return matched;
}
