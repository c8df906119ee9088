import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { buildRemoteCommand } from '../../../src/ssh/remote-command.js';
import { shellQuote } from '../../../src/ssh/shell-quote.js';

const SRC = fileURLToPath(new URL('../../../src/', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Every `${…}` inside the template literal that starts at `from` (a backtick). */
function interpolations(text: string, from: number): string[] {
  const found: string[] = [];
  for (let i = from + 1; i < text.length && text[i] !== '`'; i++) {
    if (text[i] === '\\') i++;
    else if (text.startsWith('${', i)) {
      let depth = 1;
      let j = i + 2;
      for (; j < text.length && depth > 0; j++) depth += text[j] === '{' ? 1 : text[j] === '}' ? -1 : 0;
      found.push(text.slice(i + 2, j - 1));
      i = j - 1;
    }
  }
  return found;
}

const HOSTILE = ["$(touch /tmp/pwned)", '`touch /tmp/pwned`', "a'b", 'x"$HOME"', '*', '~root', 'a b', '-n', ''];

describe('shellQuote', () => {
  it.each(HOSTILE)('keeps %j one literal word for sh', async (value) => {
    const { execFileSync } = await import('node:child_process');
    const out = execFileSync('/bin/sh', ['-c', `printf '%s\\n' ${shellQuote(value)} | od -An -c`], { cwd: '/', encoding: 'utf8' });
    const expected = execFileSync('/bin/sh', ['-c', 'printf "%s\\n" "$1" | od -An -c', 'sh', value], { encoding: 'utf8' });
    expect(out).toBe(expected);
  });

  it('leaves plain words bare, so hints read as typed', () => {
    expect(shellQuote('/etc/ssh/known_hosts')).toBe('/etc/ssh/known_hosts');
    expect(shellQuote('[10.0.0.1]:2222')).toBe("'[10.0.0.1]:2222'");
    expect(shellQuote('A=1')).toBe("'A=1'");
  });
});

// Every command line fleet sends to a remote shell is built in one of these places. A new place must quote
// every value it interpolates with shellQuote, and be added here, so that no path (a remote file name, a cwd,
// a user) is ever left to the remote shell to expand.
describe('every place a remote command line is built', () => {
  it('interpolates nothing unquoted into a runRemoteCommand line', () => {
    const sites: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\brunRemoteCommand\(\s*\w+,\s*/g)) {
        const at = m.index + m[0].length;
        const where = `${relative(SRC, file)}:${text.slice(0, at).split('\n').length}`;
        if (text[at] === '`') {
          for (const expr of interpolations(text, at)) expect(expr, `${where}: \${${expr}}`).toMatch(/^shellQuote\(/);
          sites.push(`${where} template`);
        } else {
          sites.push(`${where} ${text.slice(at, text.indexOf(',', at))}`);
        }
      }
    }
    // The operator's own command (quoted by nobody: it is shell code by design) and the checksum of a remote
    // file for --skip-unchanged.
    expect(sites.map((s) => s.replace(/:\d+/, ''))).toEqual(['runner/worker/host-job.ts step.command', 'runner/worker/host-job.ts template']);
  });

  it('quotes with the one shellQuote everywhere a line is built', () => {
    const builders = sources(SRC)
      .filter((f) => /import \{[^}]*\bshellQuote\b[^}]*\} from '[./]*(ssh\/)?shell-quote\.js'/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(SRC, f))
      .sort();
    // remote-command: the wrapper, cwd, env, sudo; host-job: --skip-unchanged's checksum; per-host: {host}
    // templates in commands; script-command: `fleet script` arguments; host-key-verifier: hints only.
    expect(builders).toEqual(['fleet/per-host.ts', 'fleet/script-command.ts', 'runner/worker/host-job.ts', 'ssh/host-key-verifier.ts', 'ssh/remote-command.ts']);
    for (const file of sources(SRC).filter((f) => !f.endsWith('shell-quote.ts'))) {
      expect(readFileSync(file, 'utf8'), relative(SRC, file)).not.toMatch(/function shellQuote|const shellQuote/);
    }
  });

  it('buildRemoteCommand quotes the cwd, env values and the sudo user', () => {
    const line = buildRemoteCommand('id', { cwd: '/tmp/$(touch /tmp/pwned)', env: { X: '`touch /tmp/pwned`' } }).line;
    expect(line).toContain(`cd '/tmp/$(touch /tmp/pwned)' &&`);
    expect(line).toContain("export X='`touch /tmp/pwned`';");
    expect(buildRemoteCommand('id', { sudo: { user: "r'oot" } }).line).toContain(` -u 'r'\\''oot' -- `);
  });
});
