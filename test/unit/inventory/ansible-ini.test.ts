import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../../src/inventory/index.js';
import type { HostConfig, Inventory } from '../../../src/inventory/index.js';
import { OPTIONS, configErrorAsync, fixture } from './helpers.js';

const host = (inv: Inventory, name: string): HostConfig => inv.hosts.find((h) => h.name === name)!;

describe('Ansible INI inventory', () => {
  it('reads ungrouped hosts, [group], ranges, host:port, [g:children], [g:vars], [all:vars] and ansible_* keys', async () => {
    const file = fixture('ini/hosts.ini');
    const inv = await loadInventory(file, OPTIONS);
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'jumpbox.example.com', 'legacy',
      'www01.example.com', 'www02.example.com', 'www03.example.com', 'www-a.example.com', 'www-b.example.com',
      'db1', 'db2',
    ]);
    expect([...inv.groups.keys()]).toEqual(['web', 'db', 'prod']);
    expect(inv.groups.get('prod')?.children).toEqual(['web', 'db']);
    expect(host(inv, 'jumpbox.example.com')).toMatchObject({ port: 2200, user: 'ops', groups: [] });
    expect(host(inv, 'legacy')).toMatchObject({ address: '10.0.0.9', port: 2222 });
    // Group vars: child (web) over parent (prod) over all; a host's own variable over every group.
    expect(host(inv, 'www02.example.com')).toMatchObject({ user: 'www', port: 22, jump: 'ops@jumpbox.example.com', hostKeyPolicy: 'off', groups: ['web', 'prod'] });
    expect(host(inv, 'www-a.example.com').user).toBe('deploy user');
    expect(host(inv, 'db1')).toMatchObject({ address: '10.0.0.21', identityFile: [path.join(path.dirname(file), 'keys/db.pem')] });
    expect(host(inv, 'db2').password).toMatchObject({ env: 'DB2_PASSWORD' });
    expect(host(inv, 'db1').sources?.address).toEqual({ kind: 'inventory', at: `${file}:10` });
    expect(selectHosts(inv, 'prod:!web').map((h) => h.name)).toEqual(['db1', 'db2']);
  });

  it.each([
    ['broken-vars.ini', '5:1: expected key=value in [web:vars], got "ansible_user"'],
    ['broken-children.ini', '6:1: group prod lists child "wbe", which is not a group — did you mean "web"? (define it under groups: or fix the name)'],
    ['broken-section.ini', '1:1: invalid section header "[web" — write [group], [group:vars] or [group:children]'],
    ['broken-hostvar.ini', '2:22: expected key=value after host web1, got "user" — quote values with spaces'],
    ['broken-port.ini', '2:19: "ansible_port" in host web1 must be a whole number from 1 to 65535, got "ssh"'],
    ['broken-kind.ini', '1:1: section [web:servers] has unknown type "servers" — use [web], [web:vars] or [web:children]'],
  ])('%s: the error names file:line:column and the fix', async (name, message) => {
    const file = fixture(`ini/${name}`);
    await configErrorAsync(() => loadInventory(file, OPTIONS), `${file}:${message}`);
  });
});
