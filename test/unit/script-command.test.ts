import { describe, expect, it } from 'vitest';
import { buildScriptCommand, SCRIPT_LINE_LIMIT, shebangOf } from '../../src/fleet/script-command.js';

describe('fleet script command line', () => {
  it('reads the shebang as Linux does: the path, then the rest as one argument', () => {
    expect(shebangOf('#!/bin/bash\necho')).toEqual({ path: '/bin/bash' });
    expect(shebangOf('#! /usr/bin/env -S python3 -u\n')).toEqual({ path: '/usr/bin/env', arg: '-S python3 -u' });
    expect(shebangOf('echo hi\n')).toBeUndefined();
  });

  it('feeds the script on fd 9 to its interpreter, arguments quoted, no file written', () => {
    const line = buildScriptCommand("#!/bin/sh -e\necho \"$1\"\n", ["it's", '$(id)'], 'x.sh');
    const tag = /9<<'(FLEET_SCRIPT_[0-9a-f]+)'/.exec(line)?.[1];
    // Plain words stay bare (shellQuote), everything else is single-quoted.
    expect(line).toBe(`/bin/sh -e /dev/fd/9 'it'\\''s' '$(id)' 9<<'${tag}'\n#!/bin/sh -e\necho "$1"\n${tag}\n`);
    expect(buildScriptCommand('echo hi', [], 'y.sh')).toMatch(/^sh \/dev\/fd\/9 9<<'FLEET_SCRIPT_\w+'\necho hi\nFLEET_SCRIPT_\w+\n$/);
  });

  it('refuses what cannot travel in a command line, saying what to do instead', () => {
    expect(() => buildScriptCommand('a\0b', [], 'bin')).toThrow(/NUL byte.*fleet put/);
    expect(() => buildScriptCommand('x'.repeat(SCRIPT_LINE_LIMIT), [], 'big.sh')).toThrow(/too large.*fleet put/);
    // Under sudo the line is quoted once more: quotes count four times.
    const quotes = "'".repeat(SCRIPT_LINE_LIMIT / 3);
    expect(() => buildScriptCommand(quotes, [], 'q.sh')).not.toThrow();
    expect(() => buildScriptCommand(quotes, [], 'q.sh', true)).toThrow(/too large/);
  });
});
