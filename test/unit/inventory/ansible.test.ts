import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, selectHosts } from '../../../src/inventory/index.js';
import type { HostConfig, Inventory } from '../../../src/inventory/index.js';
import { OPTIONS, configError, fixture, parse, yaml } from './helpers.js';

const host = (inv: Inventory, name: string): HostConfig => {
  const found = inv.hosts.find((h) => h.name === name);
  if (!found) throw new Error(`no host ${name}`);
  return found;
};

describe('Ansible YAML inventory import', () => {
  it('imports hosts, groups, vars and children', async () => {
    const file = fixture('ansible.yaml');
    const inv = await loadInventory(file, OPTIONS);
    expect(inv.hosts.map((h) => h.name)).toEqual([
      'jumpbox.example.com', 'legacy.example.com',
      'www01.example.com', 'www02.example.com', 'www03.example.com',
      'www-a.example.com', 'www-b.example.com', 'www-c.example.com',
      'db1', 'db2',
    ]);
    expect([...inv.groups.keys()]).toEqual(['webservers', 'dbservers', 'production']);
    expect(inv.groups.get('production')?.children).toEqual(['webservers', 'dbservers']);
    expect(host(inv, 'jumpbox.example.com')).toMatchObject({ port: 2200, user: 'deploy', groups: [] });
    expect(host(inv, 'legacy.example.com')).toMatchObject({ address: 'legacy.example.com', port: 2222 });
    expect(host(inv, 'www02.example.com')).toMatchObject({
      user: 'deploy',
      identityFile: [path.join(path.dirname(file), 'keys/web.pem')],
      jump: 'ops@jumpbox.example.com',
      hostKeyPolicy: 'strict',
      groups: ['webservers', 'production'],
    });
    expect(host(inv, 'db1')).toMatchObject({ address: '10.0.0.21', password: { env: 'DB1_PASSWORD' } });
    expect(host(inv, 'db2')).toMatchObject({ address: '10.0.0.22', user: 'postgres', password: { value: 'hunter2' } });
    expect(selectHosts(inv, 'production:!webservers').map((h) => h.name)).toEqual(['db1', 'db2']);
  });

  it('is detected without all: when top-level keys look like groups', () => {
    const inv = parse(yaml('web:', '  hosts:', '    web1:', '      ansible_host: 10.0.0.1', 'db:', '  hosts: { db1: }'));
    expect(inv.hosts.map((h) => `${h.name}@${h.address}`)).toEqual(['web1@10.0.0.1', 'db1@db1']);
    expect([...inv.groups.keys()]).toEqual(['web', 'db']);
  });

  it('merges a group defined in several places and accepts stride ranges', () => {
    const inv = parse(
      yaml(
        'all:',
        '  children:',
        '    a:',
        '      children:',
        '        shared: { hosts: { "s[0:4:2]": } }',
        '    b:',
        '      children:',
        '        shared:',
        '          vars: { ansible_user: sam }',
      ),
    );
    expect(inv.hosts.map((h) => `${h.user}@${h.name}`)).toEqual(['sam@s0', 'sam@s2', 'sam@s4']);
    expect(inv.groups.get('shared')).toEqual({ name: 'shared', hosts: ['s0', 's2', 's4'], children: [], own: ['s0', 's2', 's4'] });
    expect(host(inv, 's2').groups).toEqual(['a', 'shared', 'b']);
  });

  it('lets all.vars act as defaults and host vars win', () => {
    const inv = parse(
      yaml('all:', '  vars: { ansible_port: 2201 }', '  hosts:', '    h1: { ansible_port: 2202 }', '    h2:'),
    );
    expect(inv.hosts.map((h) => h.port)).toEqual([2202, 2201]);
  });

  it('checks the structure but ignores playbook variables', () => {
    const inv = parse(yaml('all:', '  hosts:', '    h1: { app_port: nonsense, ansible_become: true }'));
    expect(inv.hosts).toHaveLength(1);
    configError(
      () => parse(yaml('all:', '  children:', '    web:', '      host:', '        web1:')),
      'hosts.yaml:4:7: unknown key "host" in group web — did you mean "hosts"? (Ansible groups have hosts, vars and children)',
    );
  });

  it('rejects what it cannot honour, with position and fix', () => {
    configError(
      () => parse(yaml('all:', '  hosts:', '    h1: { ansible_port: twenty }')),
      'hosts.yaml:3:25: "ansible_port" in host h1 must be a whole number from 1 to 65535, got "twenty"',
    );
    configError(
      () => parse(yaml('all:', '  hosts:', '    h1: { ansible_password: "{{ vault_pw }}" }')),
      `hosts.yaml:3:29: "ansible_password" in host h1 uses a Jinja template, which fleet cannot evaluate — write the value itself, or {{ lookup('env', 'NAME') }}`,
    );
    configError(
      () => parse(yaml('all:', '  hosts:', '    h1:', '      ansible_password: !vault |', '        $ANSIBLE_VAULT;1.1;AES256')),
      `hosts.yaml:4:32: "ansible_password" in host h1 is vault-encrypted, which fleet cannot decrypt — use {{ lookup('env', 'NAME') }} and export NAME`,
    );
    configError(
      () => parse(yaml('all:', '  hosts:', '    "web[05:01]":')),
      'hosts.yaml:3:5: bad host range "[05:01]" in "web[05:01]": 05:01 counts down — write 01:05',
    );
    configError(
      () => parse(yaml('all:', '  children:', '    web:', '      children: [a, b]')),
      'hosts.yaml:4:17: "children" of group web must be a mapping of group names (Ansible format), got a list',
    );
  });
});
