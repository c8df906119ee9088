import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileNameOf } from '../../../src/core/host-file-name.js';

describe('fileNameOf: a host name as one file name inside a per-host directory', () => {
  it('keeps ordinary names, ports and brackets recognisable', () => {
    expect(fileNameOf('web01')).toBe('web01');
    expect(fileNameOf('h:2222')).toBe('h:2222');
    expect(fileNameOf('[::1]:22')).toBe('[::1]:22');
    expect(fileNameOf('...')).toBe('...');
  });

  it('never names a path outside the directory', () => {
    for (const host of ['../../escape', '..', '.', '', '/etc/passwd', 'a/../../b', 'x\0y', '../']) {
      const name = fileNameOf(host);
      expect(name).not.toMatch(/[/\0]/);
      expect(['', '.', '..']).not.toContain(name);
      // One entry directly inside the directory, nothing else.
      expect(relative('/target', join('/target', name))).toBe(name);
    }
    expect(fileNameOf('../../escape')).toBe('.._.._escape');
    expect(fileNameOf('..')).toBe('__');
  });
});
