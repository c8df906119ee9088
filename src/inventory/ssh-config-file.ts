import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { parse, type Line } from 'ssh-config';
import { ConfigError } from '../core/errors.js';
import { patternListMatches } from './ssh-patterns.js';

/**
 * Reads an OpenSSH client configuration (ssh_config(5)) into a tree fleet can evaluate per host. The
 * `ssh-config` package does the lexing (quotes, `=` separators, Host and Match sections); it has no line
 * numbers and no Include, and its `compute()` cannot say where a value came from, so the evaluation is ours
 * (ssh-config-eval.ts) and this file adds positions and expands Include.
 */

export interface SshConfigAt {
  file: string;
  line: number;
}

export type SshConfigNode =
  | ({ kind: 'host'; patterns: string[] } & SshConfigAt)
  | ({ kind: 'match'; criteria: [string, string][] } & SshConfigAt)
  /** An Include, already read: its own Host/Match lines only act inside it (as in OpenSSH's readconf.c). */
  | ({ kind: 'include'; nodes: SshConfigNode[] } & SshConfigAt)
  | ({ kind: 'set'; key: string; values: string[] } & SshConfigAt);

export interface SshConfigFile {
  file: string;
  nodes: SshConfigNode[];
}

const MAX_INCLUDE_DEPTH = 16;

function valuesOf(value: unknown): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : String((v as { val: string }).val)));
  return [];
}

const newlines = (text: string | undefined): number => (text ?? '').split('\n').length - 1;

/** `~` and paths relative to the user's ~/.ssh (or /etc/ssh for the system file), as OpenSSH resolves Include. */
function includeBase(home: string, system: boolean): string {
  return system ? '/etc/ssh' : path.join(home, '.ssh');
}

function expandGlob(pattern: string): string[] {
  if (!/[*?]/.test(pattern)) return [pattern];
  const parts = pattern.split('/');
  let found = [parts[0] === '' ? '/' : parts[0]!];
  for (const part of parts.slice(1)) {
    if (part === '') continue;
    const next: string[] = [];
    for (const dir of found) {
      if (!/[*?]/.test(part)) {
        next.push(path.join(dir, part));
        continue;
      }
      let names: string[] = [];
      try {
        names = readdirSync(dir).sort();
      } catch {
        continue;
      }
      for (const name of names) if (!name.startsWith('.') && patternListMatches([part], name)) next.push(path.join(dir, name));
    }
    found = next;
  }
  return found;
}

function readText(file: string, required: boolean): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (!required && (code === 'ENOENT' || code === 'ENOTDIR')) return undefined;
    throw new ConfigError(`ssh_config ${file} cannot be read (${code ?? String(err)}) — fix the path given with -F or sshConfig:, or pass --no-ssh-config`, {
      file,
      cause: err,
    });
  }
}

interface ReadContext {
  home: string;
  system: boolean;
  depth: number;
}

function readNodes(file: string, text: string, ctx: ReadContext): SshConfigNode[] {
  let lines: Line[];
  try {
    lines = parse(text);
  } catch (err) {
    throw new ConfigError(`${file}: ssh_config syntax error: ${(err as Error).message} — close the quote or remove the stray backslash`, {
      file,
      cause: err,
    });
  }
  const out: SshConfigNode[] = [];
  let line = 1;
  const visit = (entry: Line): void => {
    line += newlines(entry.before);
    if (entry.type === 1 && entry.param !== '') {
      const at = { file, line };
      const key = entry.param.toLowerCase();
      if (key === 'host') out.push({ kind: 'host', patterns: valuesOf(entry.value), ...at });
      else if (key === 'match') {
        const criteria = Object.entries((entry as { criteria?: Record<string, unknown> }).criteria ?? {}).map(
          ([k, v]): [string, string] => [k.toLowerCase(), valuesOf(v).join(',')],
        );
        out.push({ kind: 'match', criteria, ...at });
      } else if (key === 'include') out.push({ kind: 'include', nodes: readIncludes(valuesOf(entry.value), at, ctx), ...at });
      else out.push({ kind: 'set', key, values: valuesOf(entry.value), ...at });
    }
    line += newlines(entry.after);
    if ('config' in entry) for (const inner of entry.config) visit(inner);
  };
  for (const entry of lines) visit(entry);
  return out;
}

function readIncludes(patterns: string[], at: SshConfigAt, ctx: ReadContext): SshConfigNode[] {
  if (ctx.depth >= MAX_INCLUDE_DEPTH) {
    throw new ConfigError(`${at.file}:${at.line}: Include nested more than ${MAX_INCLUDE_DEPTH} deep — an Include loop?`, { file: at.file, line: at.line });
  }
  const nodes: SshConfigNode[] = [];
  for (const written of patterns) {
    const tilde = written === '~' || written.startsWith('~/') ? path.join(ctx.home, written.slice(1)) : written;
    const absolute = path.isAbsolute(tilde) ? tilde : path.join(includeBase(ctx.home, ctx.system), tilde);
    for (const file of expandGlob(absolute)) {
      let isFile = false;
      try {
        isFile = statSync(file).isFile();
      } catch {
        // OpenSSH skips an Include that matches nothing.
      }
      if (!isFile) continue;
      const text = readText(file, false);
      if (text !== undefined) nodes.push(...readNodes(file, text, { ...ctx, depth: ctx.depth + 1 }));
    }
  }
  return nodes;
}

export interface ReadSshConfigOptions {
  home: string;
  /** The system-wide file: relative Includes resolve under /etc/ssh instead of ~/.ssh. */
  system?: boolean;
  /** A file the operator named (-F, sshConfig:) must exist; ~/.ssh/config need not. */
  required?: boolean;
}

/** Undefined when the file is optional and absent. */
export function readSshConfig(file: string, options: ReadSshConfigOptions): SshConfigFile | undefined {
  const text = readText(file, options.required ?? false);
  if (text === undefined) return undefined;
  return { file, nodes: readNodes(file, text, { home: options.home, system: options.system ?? false, depth: 0 }) };
}
