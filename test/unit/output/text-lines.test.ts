import { describe, expect, it } from 'vitest';
import { HOST_PALETTE, hostStyle, paint } from '../../../src/cli/render/ansi.js';
import { createLineFormatter } from '../../../src/cli/render/text-lines.js';

const hosts = ['web01', 'db1', 'lb.example.com'];

describe('createLineFormatter without colour', () => {
  const f = createLineFormatter({ hosts, color: false });

  it('pads every host to the widest selected name', () => {
    expect(f.width).toBe(14);
    expect(f.format('db1', 'stdout', 'hello')).toBe('db1            | hello');
    expect(f.format('web01', 'stdout', 'hello')).toBe('web01          | hello');
    expect(f.format('lb.example.com', 'stdout', 'hello')).toBe('lb.example.com | hello');
  });

  it('marks stderr lines with ! in the same column', () => {
    expect(f.format('web01', 'stderr', 'No such file')).toBe('web01          ! No such file');
    expect(f.format('web01', 'stderr', 'x').indexOf('!')).toBe(f.format('web01', 'stdout', 'x').indexOf('|'));
  });

  it('leaves no trailing space after the marker of an empty line', () => {
    expect(f.format('db1', 'stdout', '')).toBe('db1            |');
    expect(f.format('db1', 'stderr', '')).toBe('db1            !');
  });

  it('keeps the line text as it is, and never cuts a host longer than the column', () => {
    expect(f.format('db1', 'stdout', '  a | b ! c  ')).toBe('db1            |   a | b ! c  ');
    expect(f.format('a-host-not-selected', 'stdout', 'x')).toBe('a-host-not-selected | x');
  });

  it('writes no escape codes', () => {
    expect(f.format('web01', 'stderr', 'e')).not.toContain('\x1b');
  });
});

describe('createLineFormatter with colour', () => {
  const f = createLineFormatter({ hosts, color: true });

  it('colours the host, pads outside the escapes and keeps | plain', () => {
    expect(hostStyle('web01')).toBe('yellow');
    expect(f.format('web01', 'stdout', 'hi')).toBe('\x1b[33mweb01\x1b[0m          | hi');
  });

  it('turns the stderr marker red and leaves the text alone', () => {
    expect(f.format('web01', 'stderr', 'oops')).toBe('\x1b[33mweb01\x1b[0m          \x1b[31m!\x1b[0m oops');
  });

  it('lines up with the plain output once the escapes are removed', () => {
    const plain = createLineFormatter({ hosts, color: false });
    const strip = (s: string): string => s.replace(/\x1b\[\d+m/g, '');
    for (const h of hosts) {
      expect(strip(f.format(h, 'stderr', 'x'))).toBe(plain.format(h, 'stderr', 'x'));
    }
  });
});

describe('hostStyle', () => {
  it('is stable, never red, and spreads a fleet over several colours', () => {
    const names = Array.from({ length: 12 }, (_, i) => `web${String(i + 1).padStart(2, '0')}`);
    const styles = names.map(hostStyle);
    expect(names.map(hostStyle)).toEqual(styles);
    for (const s of styles) expect(HOST_PALETTE).toContain(s);
    expect(styles).not.toContain('red');
    expect(new Set(styles).size).toBeGreaterThanOrEqual(4);
  });

  it('paint does nothing without colour or text', () => {
    expect(paint('x', 'red', false)).toBe('x');
    expect(paint('', 'red', true)).toBe('');
  });
});
