import { describe, expect, it } from 'vitest';
import { selectHosts, splitPattern } from '../../../src/inventory/index.js';
import { configError, parse, yaml } from './helpers.js';

const inv = parse(
  yaml(
    'hosts:',
    '  lb1:',
    'groups:',
    '  web:',
    '    hosts:',
    '      web[01-05]:',
    '  db:',
    '    hosts:',
    '      db[1-2]:',
    '  prod:',
    '    children: [web, db]',
    '  staging:',
    '    hosts:',
    '      web05:',
    '      stg1:',
    '  empty:',
  ),
);

const names = (pattern: string): string[] => selectHosts(inv, pattern).map((h) => h.name);
const GROUPS = 'web, db, prod, staging, empty';

describe('selectHosts', () => {
  it.each([
    ['all', ['lb1', 'web01', 'web02', 'web03', 'web04', 'web05', 'db1', 'db2', 'stg1']],
    ['*', ['lb1', 'web01', 'web02', 'web03', 'web04', 'web05', 'db1', 'db2', 'stg1']],
    ['web', ['web01', 'web02', 'web03', 'web04', 'web05']],
    ['db1', ['db1']],
    ['web:&prod:!web03', ['web01', 'web02', 'web04', 'web05']],
    ['!web03:&prod:web', ['web01', 'web02', 'web04', 'web05']],
    ['web,db', ['web01', 'web02', 'web03', 'web04', 'web05', 'db1', 'db2']],
    ['db:web', ['db1', 'db2', 'web01', 'web02', 'web03', 'web04', 'web05']],
    ['web05,web05,web', ['web05', 'web01', 'web02', 'web03', 'web04']],
    ['web:!staging', ['web01', 'web02', 'web03', 'web04']],
    ['web:&staging', ['web05']],
    ['!prod', ['lb1', 'stg1']],
    ['&staging', ['web05', 'stg1']],
    ['web*', ['web01', 'web02', 'web03', 'web04', 'web05']],
    ['*1', ['lb1', 'web01', 'db1', 'stg1']],
    ['db?', ['db1', 'db2']],
    ['pro*', ['web01', 'web02', 'web03', 'web04', 'web05', 'db1', 'db2']],
    ['web[01-02],db2', ['web01', 'web02', 'db2']],
    ['web0[1-3,5]', ['web01', 'web02', 'web03', 'web05']],
    ['web0[5-6]', ['web05']],
    ['db[1]', ['db2']],
    ['web[0]', ['web01']],
    ['web[-1]', ['web05']],
    ['web[1:3]', ['web02', 'web03', 'web04']],
    ['prod[5:]', ['db1', 'db2']],
    ['~db\\d', ['db1', 'db2']],
    ['~(lb|stg)', ['lb1', 'stg1']],
    // Brackets in a regex are a character class, never a subscript or a host range.
    ['~web0[24]', ['web02', 'web04']],
    ['~db[12]', ['db1', 'db2']],
    ['ungrouped', ['lb1']],
    [' web01 , db1 ', ['web01', 'db1']],
  ])('%s', (pattern, expected) => {
    expect(names(pattern)).toEqual(expected);
  });

  it('returns the inventory objects themselves', () => {
    expect(selectHosts(inv, 'db1')[0]).toBe(inv.hosts.find((h) => h.name === 'db1'));
  });

  it('rejects a term that names nothing, with a suggestion and the groups', () => {
    configError(() => names('dbb'), `limit "dbb": "dbb" matches no host or group — did you mean "db"? Known groups: ${GROUPS}`);
    configError(() => names('all:!stg2x'), `limit "all:!stg2x": "stg2x" matches no host or group — did you mean "stg1"? Known groups: ${GROUPS}`);
    configError(() => names('nothing-like-it'), `limit "nothing-like-it": "nothing-like-it" matches no host or group — known groups: ${GROUPS}`);
    configError(() => names('zz*'), `limit "zz*": "zz*" matches no host or group — known groups: ${GROUPS}`);
  });

  it('rejects a pattern that selects nothing, listing the groups', () => {
    configError(() => names('empty'), `limit "empty" selects no hosts — known groups: ${GROUPS}`);
    configError(() => names('web:&db'), `limit "web:&db" selects no hosts — known groups: ${GROUPS}`);
    configError(() => names('prod:!web:!db'), `limit "prod:!web:!db" selects no hosts — known groups: ${GROUPS}`);
  });

  it('rejects malformed patterns', () => {
    configError(() => names(''), 'empty limit — give a group, a host or a pattern such as web:&prod:!web03');
    configError(() => names(' , : '), 'empty limit — give a group, a host or a pattern such as web:&prod:!web03');
    configError(() => names('web:!'), 'limit "web:!": "!" needs a group, host or pattern after !');
    configError(() => names('~(db'), 'limit term "~(db" is not a valid regular expression: Invalid regular expression: /^(?:(db)/: Unterminated group');
  });

  it('takes both when a group and a host share a name, as Ansible does', () => {
    const shared = parse(yaml('hosts: [db]', 'groups:', '  db:', '    hosts: [db1, db2]'));
    expect(selectHosts(shared, 'db').map((h) => h.name)).toEqual(['db1', 'db2', 'db']);
  });

  it('says when an inventory has no groups', () => {
    const flat = parse(yaml('hosts: [a, b]'));
    configError(() => selectHosts(flat, 'c'), 'limit "c": "c" matches no host or group — known groups: none (every host is ungrouped)');
  });
});

describe('splitPattern', () => {
  it('splits on commas and colons outside brackets', () => {
    expect(splitPattern('web:&prod:!web03')).toEqual(['web', '&prod', '!web03']);
    expect(splitPattern('web[1-3,7],db[0:2]')).toEqual(['web[1-3,7]', 'db[0:2]']);
  });

  it('keeps IPv6 addresses whole', () => {
    expect(splitPattern('fe80::1,!2001:db8::2,web')).toEqual(['fe80::1', '!2001:db8::2', 'web']);
  });
});
