import { describe, expect, it } from 'vitest';
import { CommandError, ConnectError, TimeoutError } from '../../../src/core/errors.js';
import { formatGathered, gatherResults } from '../../../src/cli/render/gather.js';
import { result, unreachable } from './helpers.js';

const df = 'Filesystem Size\n/dev/sda1 10G\n';
const refused = (h: string): ConnectError => new ConnectError(`${h}: connection refused; is sshd running?`, { host: h });

const fleet = [
  result('web01', { stdout: df }),
  result('web02', { stdout: df }),
  unreachable('web06', refused('web06')),
  result('web04', {
    ok: false,
    exitCode: 2,
    stdout: 'partial\n',
    stderr: 'df: /data: No such file\n',
    error: new CommandError('web04: command exited with code 2', { host: 'web04', exitCode: 2 }),
  }),
  result('web03', { stdout: df }),
  unreachable('db1', refused('db1')),
  result('web05', { stdout: df }),
];

describe('gatherResults', () => {
  it('folds identical endings, groups in order of their first host, hosts in input order', () => {
    const groups = gatherResults(fleet);
    expect(groups.map((g) => g.hosts)).toEqual([['web01', 'web02', 'web03', 'web05'], ['web06', 'db1'], ['web04']]);
    expect(groups[1]?.error).toEqual({ code: 'CONNECT', message: 'connection refused; is sshd running?' });
    expect(groups[2]?.error).toBeUndefined();
  });

  it('keeps hosts apart when only the exit code differs', () => {
    const a = result('a1', { ok: false, exitCode: 1, stdout: 'x' });
    const b = result('a2', { ok: false, exitCode: 2, stdout: 'x' });
    expect(gatherResults([a, b])).toHaveLength(2);
  });

  it('keeps a timed-out host apart from a finished one with the same partial output', () => {
    const done = result('h1', { stdout: 'tick\n' });
    const hung = result('h2', { ok: false, exitCode: null, stdout: 'tick\n', error: new TimeoutError('h2: command timed out after 2 s') });
    expect(gatherResults([done, hung]).map((g) => g.hosts)).toEqual([['h1'], ['h2']]);
  });
});

describe('formatGathered', () => {
  it('renders clush -b blocks: 4 identical + 1 failed + unreachable folded by message', () => {
    expect(formatGathered(fleet, { color: false })).toBe(
      [
        '---------------',
        'web[01-03,05] (4)',
        '---------------',
        'Filesystem Size',
        '/dev/sda1 10G',
        '---------------',
        'web06,db1 (2) · CONNECT: connection refused; is sshd running?',
        '---------------',
        '---------------',
        'web04 (1) · exit code 2',
        '---------------',
        'partial',
        '! df: /data: No such file',
        '',
      ].join('\n'),
    );
  });

  it('names the signal, the error of a timeout and truncation in the header', () => {
    const killed = result('k1', { ok: false, exitCode: null, signal: 'SIGKILL', error: new CommandError('k1: command killed by SIGKILL') });
    const hung = result('t1', { ok: false, exitCode: null, stdout: 'tick', truncated: true, error: new TimeoutError('t1: command timed out after 2 s') });
    expect(formatGathered([killed, hung], { color: false })).toBe(
      [
        '---------------',
        'k1 (1) · killed by SIGKILL',
        '---------------',
        '---------------',
        't1 (1) · TIMEOUT: command timed out after 2 s · output truncated',
        '---------------',
        'tick',
        '',
      ].join('\n'),
    );
  });

  it('shows a COMMAND error with no exit status by its message', () => {
    const odd = result('o1', { ok: false, exitCode: null, error: new CommandError('o1: command ended without an exit status') });
    expect(formatGathered([odd], { color: false })).toContain('o1 (1) · COMMAND: command ended without an exit status\n');
  });

  it('colours the header and the stderr marker only when asked', () => {
    const out = formatGathered(fleet, { color: true });
    expect(out).toContain('\x1b[1mweb[01-03,05] (4)\x1b[0m\n');
    expect(out).toContain('\x1b[1mweb04 (1)\x1b[0m · \x1b[31mexit code 2\x1b[0m\n');
    expect(out).toContain('\x1b[31m!\x1b[0m df: /data: No such file\n');
    expect(formatGathered(fleet, { color: false })).not.toContain('\x1b');
  });

  it('returns nothing for no hosts', () => {
    expect(formatGathered([], { color: false })).toBe('');
  });
});
