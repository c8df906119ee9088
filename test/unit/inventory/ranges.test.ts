import { describe, expect, it } from 'vitest';
import { expandHostRange, foldHosts, hasHostRange } from '../../../src/inventory/index.js';
import { configError } from './helpers.js';

describe('expandHostRange', () => {
  it('keeps zero padding', () => {
    expect(expandHostRange('web[01-12]')).toEqual([
      'web01', 'web02', 'web03', 'web04', 'web05', 'web06', 'web07', 'web08', 'web09', 'web10', 'web11', 'web12',
    ]);
    expect(expandHostRange('n[098-101]')).toEqual(['n098', 'n099', 'n100', 'n101']);
  });

  it('takes lists of numbers and ranges', () => {
    expect(expandHostRange('web[1-3,7,10-11]')).toEqual(['web1', 'web2', 'web3', 'web7', 'web10', 'web11']);
  });

  it('expands several brackets, the first varying slowest', () => {
    expect(expandHostRange('r[1-2]-n[01-02].dc')).toEqual(['r1-n01.dc', 'r1-n02.dc', 'r2-n01.dc', 'r2-n02.dc']);
  });

  it('leaves a name without brackets alone and drops duplicates', () => {
    expect(expandHostRange('db1.example.com')).toEqual(['db1.example.com']);
    expect(expandHostRange('web[1-3,2]')).toEqual(['web1', 'web2', 'web3']);
  });

  it('grows past the padding width instead of truncating', () => {
    expect(expandHostRange('w[08-10]')).toEqual(['w08', 'w09', 'w10']);
    expect(expandHostRange('w[99-100]')).toEqual(['w99', 'w100']);
  });

  it('rejects malformed ranges with the fix', () => {
    configError(() => expandHostRange('web[3-1]'), 'bad host range "[3-1]" in "web[3-1]": 3-1 counts down — write 1-3');
    configError(() => expandHostRange('web[a-c]'), 'bad host range "[a-c]" in "web[a-c]": write numbers and dashes such as [01-12] or [1-3,7]');
    configError(() => expandHostRange('web[]'), 'bad host range "[]" in "web[]": write numbers and dashes such as [01-12] or [1-3,7]');
    configError(() => expandHostRange('web[1-2'), 'bad host range in "web[1-2": "[" is never closed — add "]"');
    configError(() => expandHostRange('web1-2]'), 'bad host range in "web1-2]": "]" without a matching "["');
    configError(() => expandHostRange('web[1-010]'), 'bad host range "[1-010]" in "web[1-010]": 1-010 mixes widths — pad both ends alike, e.g. 001-010');
    configError(() => expandHostRange('web[0-100000]'), 'host range "web[0-100000]" expands to more than 100000 names — split it');
  });

  it('tells range syntax from other brackets', () => {
    expect(hasHostRange('web[01-03]')).toBe(true);
    expect(hasHostRange('web[0:2]')).toBe(false);
    expect(hasHostRange('web01')).toBe(false);
  });
});

describe('foldHosts', () => {
  it('folds into the shortest form', () => {
    expect(foldHosts(['web01', 'web02', 'web03', 'web05'])).toBe('web[01-03,05]');
    expect(foldHosts(['web1', 'web3'])).toBe('web[1,3]');
    expect(foldHosts(['web01'])).toBe('web01');
    expect(foldHosts([])).toBe('');
  });

  it('groups by pattern, keeping the order of first appearance', () => {
    expect(foldHosts(['db2', 'web01', 'db1', 'lb.example.com', 'web02'])).toBe('db[1-2],web[01-02],lb.example.com');
  });

  it('folds on the numeric run that varies, not only the last one', () => {
    expect(foldHosts(['10.0.0.1:2222', '10.0.0.2:2222', '10.0.0.3:2222'])).toBe('10.0.0.[1-3]:2222');
    expect(foldHosts(['web1.dc1', 'web2.dc1', 'web1.dc2'])).toBe('web1.dc[1-2],web2.dc1');
  });

  it('folds several dimensions when every combination is present', () => {
    expect(foldHosts(['r1-n1', 'r1-n2', 'r2-n1', 'r2-n2'])).toBe('r[1-2]-n[1-2]');
  });

  it('stays exact with mixed padding', () => {
    expect(foldHosts(['web1', 'web01', 'web2', 'web02'])).toBe('web[1-2,01-02]');
    expect(foldHosts(['w08', 'w09', 'w10', 'w11'])).toBe('w[08-11]');
    expect(foldHosts(['w9', 'w10', 'w011'])).toBe('w[9-10,011]');
    expect(foldHosts(['n098', 'n099', 'n100'])).toBe('n[098-100]');
  });

  it('ignores duplicates', () => {
    expect(foldHosts(['a1', 'a2', 'a1'])).toBe('a[1-2]');
  });
});

describe('round trip', () => {
  const shortest = [
    'web[01-12]',
    'web[1-3,7,10-11]',
    'web[01-03,05]',
    'rack[1-2]-node[01-04]',
    'n[098-102]',
    'w[1-2,01-02]',
    'x[0-9]',
    '10.0.0.[1-5]:2222',
    'lb[1-3].example.com',
  ];
  it.each(shortest)('fold(expand(%s)) gives it back', (text) => {
    expect(foldHosts(expandHostRange(text))).toBe(text);
  });

  it('expand(fold(names)) gives the same names for irregular sets', () => {
    const names = ['a7', 'a08', 'a9', 'a10', 'a010', 'a0010', 'b', 'c1d2', 'c1d3', 'c2d2', 'c2d3', 'c3d3'];
    const folded = foldHosts(names);
    const back = folded.split(/,(?![^[]*\])/).flatMap(expandHostRange);
    expect(new Set(back)).toEqual(new Set(names));
    expect(back).toHaveLength(names.length);
  });
});
