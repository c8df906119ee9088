import { ConfigError } from '../core/errors.js';
import type { HostConfig } from './types.js';

/**
 * Per-host templates in commands, script arguments and remote paths: `{host}`, `{address}`, `{port}`,
 * `{user}` and the host's inventory `variables`. A placeholder is a plain name in braces; every other brace
 * is text, so shell and tool syntax passes untouched: `${HOME}`, `{a,b}`, `{}`, `awk '{print $1}'`,
 * `docker inspect -f '{{.State.Status}}'`. `{{name}}` (or `{{name}`) writes a literal `{name}`.
 */

export type TemplatePart = { text: string } | { name: string };

export const BUILTIN_NAMES: readonly string[] = ['host', 'address', 'port', 'user'];

const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;

export function parseTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch !== '{' || template[i - 1] === '$') {
      text += ch;
      i++;
      continue;
    }
    const escaped = template[i + 1] === '{';
    const start = escaped ? i + 2 : i + 1;
    const name = NAME.exec(template.slice(start))?.[0];
    if (name === undefined || template[start + name.length] !== '}') {
      text += escaped ? '{{' : '{';
      i = start;
      continue;
    }
    const end = start + name.length + 1;
    if (escaped) {
      text += `{${name}}`;
      i = template[end] === '}' ? end + 1 : end;
      continue;
    }
    if (text) parts.push({ text });
    text = '';
    parts.push({ name });
    i = end;
  }
  if (text) parts.push({ text });
  return parts;
}

/** The names a template uses, each once, in order of first use. */
export function templateNames(template: string): string[] {
  const names = parseTemplate(template).flatMap((p) => ('name' in p ? [p.name] : []));
  return [...new Set(names)];
}

/** Fills a template in; `quote` is applied to every substituted value (shellQuote for commands). */
export function renderTemplate(template: string, values: Readonly<Record<string, string>>, quote: (value: string) => string = (v) => v): string {
  return parseTemplate(template)
    .map((p) => {
      if ('text' in p) return p.text;
      const value = values[p.name];
      if (value === undefined) throw new ConfigError(`{${p.name}} has no value`);
      return quote(value);
    })
    .join('');
}

/** What a host's placeholders stand for: its name, what is dialled, and the user it logs in as. */
export function hostValues(host: HostConfig, user?: string): Record<string, string> {
  return {
    ...host.variables,
    host: host.name,
    address: host.address,
    port: String(host.port),
    user: user ?? host.user,
  };
}

/**
 * Every name a template uses must have a value on every host, checked before anything runs: a typo in
 * `{hots}` must not become a command that runs everywhere with a hole in it.
 */
export function checkTemplate(template: string, hosts: readonly HostConfig[], what: string): void {
  for (const name of templateNames(template)) {
    if (BUILTIN_NAMES.includes(name)) continue;
    const missing = hosts.filter((h) => h.variables?.[name] === undefined).map((h) => h.name);
    if (missing.length === 0) continue;
    const known = [...new Set([...BUILTIN_NAMES, ...hosts.flatMap((h) => Object.keys(h.variables ?? {}))])].map((n) => `{${n}}`);
    const where =
      missing.length === hosts.length
        ? 'no selected host has a variable of that name'
        : `not set for ${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ` and ${missing.length - 3} more` : ''}`;
    throw new ConfigError(
      `${what}: unknown name {${name}} — ${where}. Known: ${known.join(', ')}. ` +
        `Set it under "variables" in the inventory, or write {{${name}}} for a literal {${name}}`,
    );
  }
}
