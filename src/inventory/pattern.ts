import { isIPv6 } from 'node:net';

/**
 * Splits a selection pattern into terms, Ansible-style: separated by `,` or `:`, except inside brackets
 * (`web[1-3,7]`, `web[0:2]`) and within an IPv6 address.
 */
export function splitPattern(pattern: string): string[] {
  const terms: string[] = [];
  for (const piece of splitOutsideBrackets(pattern, ',')) {
    const bare = piece.trim().replace(/^[!&]/, '');
    // The colon test first: node's IPv6 check compiles a large regex on first use (~4 ms of start-up).
    if (bare.includes(':') && isIPv6(bare)) terms.push(piece.trim());
    else terms.push(...splitOutsideBrackets(piece, ':').map((t) => t.trim()));
  }
  return terms.filter((t) => t !== '');
}

export function splitOutsideBrackets(text: string, separator: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '[') depth++;
    else if (c === ']') depth = Math.max(0, depth - 1);
    else if (c === separator && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}
