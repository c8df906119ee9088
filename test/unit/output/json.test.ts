import { describe, expect, it } from 'vitest';
import { AuthError, CommandError } from '../../../src/core/errors.js';
import { formatJsonReport, toJsonReport, toNdjsonEvent } from '../../../src/cli/render/json.js';
import { summarize } from '../../../src/core/result.js';
import type { RunEvent } from '../../../src/core/result.js';
import { result, unreachable } from './helpers.js';

// An error carrying the kind of things that must never reach output: a cause and details.
const authError = new AuthError('db1: authentication failed (password)', {
  host: 'db1',
  cause: new Error('password hunter2 rejected'),
  file: '/home/me/.secrets/db1',
});

const results = [
  result('web01', { stdout: 'up\n', durationMs: 120 }),
  result('web02', {
    ok: false,
    exitCode: 1,
    stderr: 'nope\n',
    truncated: true,
    durationMs: 130,
    error: new CommandError('web02: command exited with code 1', { host: 'web02', exitCode: 1 }),
  }),
  unreachable('db1', authError),
  result('files1', { transfer: { files: 2, skipped: 1, bytes: 10_485_760 }, durationMs: 900 }),
];
const summary = summarize(results, 1210);

describe('toJsonReport', () => {
  it('builds exactly the DESIGN.md §4 document, every host once, fields in a fixed order', () => {
    expect(JSON.stringify(toJsonReport(results, summary))).toBe(
      JSON.stringify({
        hosts: [
          { host: 'web01', ok: true, exitCode: 0, signal: null, stdout: 'up\n', stderr: '', durationMs: 120 },
          {
            host: 'web02', ok: false, exitCode: 1, signal: null, stdout: '', stderr: 'nope\n', durationMs: 130,
            truncated: true, error: { code: 'COMMAND', message: 'web02: command exited with code 1' },
          },
          {
            host: 'db1', ok: false, exitCode: null, signal: null, stdout: '', stderr: '', durationMs: 100,
            error: { code: 'AUTH', message: 'db1: authentication failed (password)' },
          },
          {
            host: 'files1', ok: true, exitCode: 0, signal: null, stdout: '', stderr: '', durationMs: 900,
            transfer: { files: 2, skipped: 1, bytes: 10_485_760 },
          },
        ],
        summary: { ok: 2, failed: 1, timedOut: 0, unreachable: 1, skipped: 0, hosts: 4, durationMs: 1210 },
      }),
    );
  });

  it('never leaks an error cause or details', () => {
    const text = formatJsonReport(results, summary);
    expect(text).not.toContain('hunter2');
    expect(text).not.toContain('.secrets');
    expect(text.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(text) as { hosts: { host: string }[] };
    expect(parsed.hosts.map((h) => h.host)).toEqual(['web01', 'web02', 'db1', 'files1']);
  });
});

describe('toNdjsonEvent', () => {
  const events: RunEvent[] = [
    { type: 'start', host: 'web01', at: 1000 },
    { type: 'output', host: 'web01', stream: 'stderr', line: 'a "quoted"\tline', bytes: Buffer.from('a "quoted"\tline\n'), at: 1001 },
    { type: 'end', host: 'db1', result: results[2]!, at: 1002 },
    { type: 'summary', summary, at: 1003 },
  ];

  it('writes one line of JSON per event, in the documented shapes', () => {
    expect(events.map(toNdjsonEvent)).toEqual([
      '{"type":"start","host":"web01","at":1000}',
      '{"type":"output","host":"web01","stream":"stderr","line":"a \\"quoted\\"\\tline","at":1001}',
      '{"type":"end","host":"db1","result":{"host":"db1","ok":false,"exitCode":null,"signal":null,"stdout":"","stderr":"","durationMs":100,"error":{"code":"AUTH","message":"db1: authentication failed (password)"}},"at":1002}',
      '{"type":"summary","summary":{"ok":2,"failed":1,"timedOut":0,"unreachable":1,"skipped":0,"hosts":4,"durationMs":1210},"at":1003}',
    ]);
  });

  it('keeps multi-line output inside one line that parses back', () => {
    const end: RunEvent = { type: 'end', host: 'web01', result: result('web01', { stdout: 'a\nb\r\n' }), at: 5 };
    const line = toNdjsonEvent(end);
    expect(line).not.toMatch(/[\n\r]/);
    expect(JSON.parse(line)).toMatchObject({ type: 'end', result: { stdout: 'a\nb\r\n' } });
    for (const ev of events) expect(() => JSON.parse(toNdjsonEvent(ev)) as unknown).not.toThrow();
  });
});
