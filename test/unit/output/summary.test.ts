import { describe, expect, it } from 'vitest';
import { AuthError, CommandError, ConnectError, HostKeyError, SkippedError } from '../../../src/core/errors.js';
import { formatDuration, formatElapsed } from '../../../src/cli/render/duration.js';
import { formatFailures, formatSummary } from '../../../src/cli/render/summary.js';
import { result, unreachable } from './helpers.js';

describe('formatSummary', () => {
  it('prints the DESIGN line exactly', () => {
    expect(formatSummary({ ok: 48, failed: 1, timedOut: 0, unreachable: 1, skipped: 0, hosts: 50, durationMs: 1210 }, false)).toBe(
      '48 ok · 1 failed · 1 unreachable · 50 hosts in 1.21 s',
    );
  });

  it('keeps zero counts and says host for one', () => {
    expect(formatSummary({ ok: 1, failed: 0, timedOut: 0, unreachable: 0, skipped: 0, hosts: 1, durationMs: 212 }, false)).toBe(
      '1 ok · 0 failed · 0 unreachable · 1 host in 0.21 s',
    );
  });

  it('says how many of the failed hosts timed out', () => {
    expect(formatSummary({ ok: 1, failed: 2, timedOut: 1, unreachable: 0, skipped: 0, hosts: 3, durationMs: 212 }, false)).toBe(
      '1 ok · 2 failed (1 timed out) · 0 unreachable · 3 hosts in 0.21 s',
    );
  });

  it('colours only the non-zero counts', () => {
    expect(formatSummary({ ok: 3, failed: 0, timedOut: 0, unreachable: 2, skipped: 0, hosts: 5, durationMs: 65_000 }, true)).toBe(
      '\x1b[32m3 ok\x1b[0m · 0 failed · \x1b[31m2 unreachable\x1b[0m · 5 hosts in 1m 05s',
    );
  });
});

describe('skipped hosts', () => {
  it('add a count after unreachable only when there are some', () => {
    expect(formatSummary({ ok: 1, failed: 1, timedOut: 0, unreachable: 0, skipped: 8, hosts: 10, durationMs: 1210 }, false)).toBe(
      '1 ok · 1 failed · 0 unreachable · 8 skipped · 10 hosts in 1.21 s',
    );
  });

  it('are one folded line after the failures, not one line each', () => {
    const skipped = ['web03', 'web04', 'web05'].map((host) => ({
      ...result(host),
      ok: false,
      error: new SkippedError(`${host}: not started: a host of an earlier batch failed (fail-fast, max-fail 0%)`, { host }),
    }));
    const failed = { ...result('web02'), ok: false, exitCode: 1, error: new CommandError('web02: command exited with 1', { host: 'web02', exitCode: 1 }) };
    expect(formatFailures([result('web01'), failed, ...skipped], false)).toBe(
      'web02  COMMAND  command exited with 1\n' +
        'skipped: web[03-05] (3) — not started: a host of an earlier batch failed (fail-fast, max-fail 0%)\n',
    );
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0.00 s'],
    [1210, '1.21 s'],
    [9994, '9.99 s'],
    [9996, '10.0 s'],
    [12_345, '12.3 s'],
    [59_949, '59.9 s'],
    [59_950, '1m 00s'],
    [65_000, '1m 05s'],
    [600_000, '10m 00s'],
    [3_723_000, '1h 02m 03s'],
    [-5, '0.00 s'],
    [Number.NaN, '0.00 s'],
  ])('%d ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
  });

  it('formatElapsed uses one decimal under a minute', () => {
    expect(formatElapsed(3210)).toBe('3.2 s');
    expect(formatElapsed(0)).toBe('0.0 s');
    expect(formatElapsed(65_400)).toBe('1m 05s');
  });
});

describe('formatFailures', () => {
  it('lists failed and unreachable hosts once each, aligned, without repeating the host', () => {
    const results = [
      result('web01'),
      unreachable('web03', new HostKeyError('web03: host key changed (known_hosts line 12); remove it with ssh-keygen -R web03 if the change is expected')),
      result('db1', { ok: false, exitCode: 2, error: new CommandError('db1: command exited with code 2') }),
      unreachable('lb.example.com', new AuthError('lb.example.com: authentication failed (publickey)')),
    ];
    expect(formatFailures(results, false)).toBe(
      [
        'web03           HOST_KEY  host key changed (known_hosts line 12); remove it with ssh-keygen -R web03 if the change is expected',
        'db1             COMMAND   command exited with code 2',
        'lb.example.com  AUTH      authentication failed (publickey)',
        '',
      ].join('\n'),
    );
  });

  it('keeps a prefix naming another host, indents continuation lines and copes with a missing error', () => {
    const results = [
      unreachable('web01', new ConnectError('bastion: connection refused\ncheck the jump host')),
      result('web02', { ok: false, exitCode: 3 }),
    ];
    expect(formatFailures(results, false)).toBe(
      [
        'web01  CONNECT  bastion: connection refused',
        '                check the jump host',
        'web02  FAILED   exit code 3',
        '',
      ].join('\n'),
    );
  });

  it('colours host and code, and is empty when every host is ok', () => {
    const out = formatFailures([unreachable('h1', new ConnectError('h1: timed out'))], true);
    expect(out).toBe('\x1b[1mh1\x1b[0m  \x1b[31mCONNECT\x1b[0m  timed out\n');
    expect(formatFailures([result('h1')], false)).toBe('');
  });
});
