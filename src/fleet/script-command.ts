import { randomBytes } from 'node:crypto';
import { ConfigError } from '../core/errors.js';
import { shellQuote } from '../ssh/shell-quote.js';

/**
 * `fleet script ./check.sh args…` as one remote command line, with nothing written to the host's disk: the
 * script's text rides in a here-document on fd 9 and the interpreter named by its shebang (sh without one)
 * reads it from /dev/fd/9. So nothing is left behind, even when the run is killed; a `noexec` /tmp does not
 * matter; and the command's stdin stays free for `fleet script` with piped input. The script sees
 * `$0` = /dev/fd/9.
 *
 * The whole line goes to the remote shell as one `-c` argument, which Linux caps at 128 KiB
 * (MAX_ARG_STRLEN); under sudo the line is quoted once more. Hence the limit, checked on the final line.
 */
export const SCRIPT_LINE_LIMIT = 120 * 1024;

export interface Interpreter {
  path: string;
  /** Linux hands everything after the path to the interpreter as one argument (`#!/usr/bin/env -S a b`). */
  arg?: string;
}

export function shebangOf(script: string): Interpreter | undefined {
  if (!script.startsWith('#!')) return undefined;
  const end = script.indexOf('\n');
  const line = script.slice(2, end === -1 ? undefined : end).trim();
  const m = /^(\S+)(?:\s+(.+))?$/.exec(line);
  if (!m) return undefined;
  return m[2] === undefined ? { path: m[1]! } : { path: m[1]!, arg: m[2].trim() };
}

function delimiter(script: string): string {
  const lines = new Set(script.split('\n'));
  for (;;) {
    const tag = `FLEET_SCRIPT_${randomBytes(6).toString('hex')}`;
    if (!lines.has(tag)) return tag;
  }
}

/** `name` is how the script is called in errors (its local path). `sudo`: the line will be quoted again. */
export function buildScriptCommand(script: string, args: readonly string[], name: string, sudo = false): string {
  if (script.includes('\0')) throw new ConfigError(`script ${name} holds a NUL byte: only text scripts can be sent; put a binary with fleet put`);
  const interpreter = shebangOf(script);
  const run = interpreter ? [interpreter.path, ...(interpreter.arg !== undefined ? [interpreter.arg] : [])] : ['sh'];
  const tag = delimiter(script);
  const body = script.endsWith('\n') ? script : `${script}\n`;
  const line = `${[...run.map(shellQuote), '/dev/fd/9', ...args.map(shellQuote)].join(' ')} 9<<'${tag}'\n${body}${tag}\n`;
  const size = sudo ? shellQuote(line).length : line.length;
  if (size > SCRIPT_LINE_LIMIT) {
    throw new ConfigError(
      `script ${name} is too large to send in a command line (${Math.ceil(size / 1024)} KiB of ${SCRIPT_LINE_LIMIT / 1024} KiB) — put it with fleet put and run it with fleet exec`,
    );
  }
  return line;
}
