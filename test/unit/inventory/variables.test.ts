import { describe, expect, it } from 'vitest';
import { configError, parse, yaml } from './helpers.js';

describe('template variables in inventories', () => {
  it('fleet format: `variables` merge name by name, defaults < group vars < host', () => {
    const inv = parse(
      yaml(
        'defaults:',
        '  variables: { dc: ams, role: app }',
        'groups:',
        '  db:',
        '    hosts:',
        '      db1: { variables: { shard: 3 } }',
        '      db2:',
        '    vars:',
        '      variables: { role: db, primary: true }',
        'hosts:',
        '  web1:',
      ),
    );
    const vars = Object.fromEntries(inv.hosts.map((h) => [h.name, h.variables]));
    expect(vars).toEqual({
      db1: { dc: 'ams', role: 'db', primary: 'true', shard: '3' },
      db2: { dc: 'ams', role: 'db', primary: 'true' },
      web1: { dc: 'ams', role: 'app' },
    });
  });

  it('no variables, no field; bad names and values are errors with file:line', () => {
    expect(parse(yaml('hosts:', '  web1:')).hosts[0]).not.toHaveProperty('variables');
    configError(
      () => parse(yaml('hosts:', '  web1: { variables: { port: 8080 } }')),
      'hosts.yaml:2:24: variable "port" in host web1 would hide the built-in {port} — give it another name',
    );
    configError(
      () => parse(yaml('hosts:', '  web1: { variables: { 9lives: x } }')),
      'hosts.yaml:2:24: variable name "9lives" in host web1 must be letters, digits and _ (not starting with a digit)',
    );
    configError(
      () => parse(yaml('hosts:', '  web1: { variables: { list: [a] } }')),
      'hosts.yaml:2:30: "list" in "variables" of host web1 must be a string, number or true/false, got a list',
    );
  });

  it("Ansible: plain non-ansible_* vars become variables; connection vars, lists and Jinja don't", () => {
    const inv = parse(
      yaml(
        'all:',
        '  vars:',
        '    dc: ams',
        '    ansible_user: deploy',
        '  children:',
        '    web:',
        '      vars: { role: web, packages: [nginx], greeting: "{{ x }}" }',
        '      hosts:',
        '        web1: { ansible_host: 10.0.0.1, http_port: 8080 }',
      ),
    );
    expect(inv.hosts[0]).toMatchObject({ user: 'deploy', address: '10.0.0.1', variables: { dc: 'ams', role: 'web', http_port: '8080' } });
  });
});
