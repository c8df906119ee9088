import { describe, expect, it } from 'vitest';
import { checkTemplate, parseTemplate, renderTemplate, templateNames } from '../../../src/inventory/template.js';
import type { HostConfig } from '../../../src/inventory/types.js';
import { shellQuote } from '../../../src/ssh/shell-quote.js';

const host = (name: string, variables?: Record<string, string>): HostConfig => ({
  name,
  address: `10.0.0.${name.slice(-1)}`,
  port: 22,
  user: 'deploy',
  identityFile: [],
  agent: false,
  knownHosts: '/k',
  hostKeyPolicy: 'strict',
  connectTimeoutMs: 1000,
  groups: [],
  ...(variables ? { variables } : {}),
});

describe('templates', () => {
  it('finds bare names in braces and nothing else', () => {
    expect(parseTemplate('ping {address} -c1')).toEqual([{ text: 'ping ' }, { name: 'address' }, { text: ' -c1' }]);
    for (const literal of ['${HOME}', '{a,b}', '{}', "awk '{print $1}'", "docker inspect -f '{{.State.Status}}'", '{ x }', '{1..3}', 'a{', '}']) {
      expect(templateNames(literal), literal).toEqual([]);
      expect(renderTemplate(literal, {}), literal).toBe(literal);
    }
  });

  it('{{name}} and {{name} write a literal {name}', () => {
    expect(renderTemplate('{{host}} {{host} {host}', { host: 'web1' })).toBe('{host} {host} web1');
    expect(templateNames('{{host}}')).toEqual([]);
  });

  it('quotes every substituted value, and only those', () => {
    const values = { host: "it's; rm -rf /", role: '$(id)' };
    expect(renderTemplate('echo {host} "{role}"', values, shellQuote)).toBe(`echo 'it'\\''s; rm -rf /' "'$(id)'"`);
  });

  it('an unknown name is an error naming the hosts without it, the known names, and the escape', () => {
    const hosts = [host('w1', { role: 'db' }), host('w2'), host('w3')];
    expect(() => checkTemplate('echo {role} {host}', [hosts[0]!], 'command')).not.toThrow();
    expect(() => checkTemplate('echo {role}', hosts, 'command')).toThrow(
      'command: unknown name {role} — not set for w2, w3. Known: {host}, {address}, {port}, {user}, {role}. Set it under "variables" in the inventory, or write {{role}} for a literal {role}',
    );
    expect(() => checkTemplate('echo {hots}', hosts, 'command')).toThrow(/no selected host has a variable of that name/);
  });
});
