/**
 * Shell-style globs for selection terms: `*` any run of characters, `?` one character. Brackets are not globs
 * here because `[…]` is host-range syntax; a tiny translation saves a dependency for two metacharacters.
 */

export const isGlob = (text: string): boolean => /[*?]/.test(text);

export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}
