/**
 * Shell-style globs for selection terms and known_hosts patterns: `*` any run of characters, `?` one
 * character, everything else literal. Brackets are not globs: in a selection `[…]` is host-range syntax, and
 * in known_hosts `[host]:port` is literal (OpenSSH's match_pattern knows only `*` and `?`). Negation (`!`) and
 * case folding belong to the callers. A tiny translation saves a dependency for two metacharacters.
 */

export const isGlob = (text: string): boolean => /[*?]/.test(text);

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
