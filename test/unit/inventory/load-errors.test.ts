import { describe, expect, it } from 'vitest';
import { configError, parse, yaml } from './helpers.js';

/**
 * Malformed inventories: each must fail with the exact message, naming file:line:column and the fix. Lines
 * are written one per argument so the expected positions can be checked by counting.
 */
const cases: [title: string, text: string, message: string][] = [
  [
    'unknown key in a host, with a suggestion',
    yaml('hosts:', '  web01:', '    prot: 22'),
    'hosts.yaml:3:5: unknown key "prot" in host web01 — did you mean "port"?',
  ],
  [
    'unknown key without a close match lists the allowed keys',
    yaml('hosts:', '  web01:', '    frobnicate: 1'),
    'hosts.yaml:3:5: unknown key "frobnicate" in host web01 — allowed keys: address, port, user, identityFile, passphrase, password, agent, knownHosts, hostKeyPolicy, connectTimeout, jump, variables',
  ],
  [
    'a key from ssh_config habits maps to its fleet name',
    yaml('hosts:', '  web01: { hostname: 10.0.0.1 }'),
    'hosts.yaml:2:12: unknown key "hostname" in host web01 — did you mean "address"?',
  ],
  [
    'port that is not a number',
    yaml('hosts:', '  web01:', '    port: abc'),
    'hosts.yaml:3:11: "port" in host web01 must be a whole number from 1 to 65535, got "abc"',
  ],
  [
    'port out of range in group vars',
    yaml('groups:', '  web:', '    vars:', '      port: 70000'),
    'hosts.yaml:4:13: "port" in vars of group web must be a whole number from 1 to 65535, got 70000',
  ],
  [
    'bad duration',
    yaml('defaults:', '  connectTimeout: 10 sec'),
    'hosts.yaml:2:19: "connectTimeout" in defaults must be a positive duration like 500ms, 10s, 2m or 1h (a bare number means seconds), got "10 sec"',
  ],
  [
    'zero duration',
    yaml('defaults:', '  connectTimeout: 0s'),
    'hosts.yaml:2:19: "connectTimeout" in defaults must be a positive duration like 500ms, 10s, 2m or 1h (a bare number means seconds), got "0s"',
  ],
  [
    'child group that does not exist',
    yaml('groups:', '  db:', '    hosts: [db1]', '  prod:', '    children: [dbs]'),
    'hosts.yaml:5:16: group prod lists child "dbs", which is not a group — did you mean "db"? (define it under groups: or fix the name)',
  ],
  [
    'cycle in children',
    yaml('groups:', '  a:', '    children: [b]', '  b:', '    children: [c]', '  c:', '    children: [a]'),
    'hosts.yaml:7:16: groups form a cycle: a → b → c → a — remove "a" from the children of group c',
  ],
  [
    'group that is its own child',
    yaml('groups:', '  web:', '    children: [web]'),
    'hosts.yaml:3:16: groups form a cycle: web → web — remove "web" from the children of group web',
  ],
  [
    'duplicate host with conflicting settings',
    yaml('hosts:', '  web02: { port: 22 }', 'groups:', '  web:', '    hosts:', '      web[01-03]: { port: 2222 }'),
    'hosts.yaml:6:27: host web02 sets "port" to 2222 here, but hosts.yaml:2:18 already set it to 22 — set it in one place',
  ],
  [
    'duplicate host with conflicting secrets does not show them',
    yaml('hosts:', '  db1: { password: a }', 'groups:', '  db:', '    hosts:', '      db1: { password: b }'),
    'hosts.yaml:6:24: host db1 sets "password" here, but hosts.yaml:2:20 already set it differently — set it in one place',
  ],
  [
    'unknown top-level key',
    yaml('defaults: { user: op }', 'group:', '  web: {}'),
    'hosts.yaml:2:1: unknown top-level key "group" — did you mean "groups"?',
  ],
  [
    'unknown key in a group',
    yaml('groups:', '  web:', '    host:', '      web01:'),
    'hosts.yaml:3:5: unknown key "host" in group web — did you mean "hosts"?',
  ],
  [
    'host key policy typo',
    yaml('defaults:', '  hostKeyPolicy: accept_new'),
    'hosts.yaml:2:18: "hostKeyPolicy" in defaults must be one of strict, accept-new, off (did you mean "accept-new"?), got "accept_new"',
  ],
  [
    'address outside a host',
    yaml('defaults:', '  address: 10.0.0.1'),
    'hosts.yaml:2:3: "address" cannot be set in defaults — each host has its own; set it on the host',
  ],
  [
    'host range counting down',
    yaml('groups:', '  web:', '    hosts:', '      web[3-1]:'),
    'hosts.yaml:4:7: bad host range "[3-1]" in "web[3-1]": 3-1 counts down — write 1-3',
  ],
  [
    'host range never closed',
    yaml('hosts:', '  web[01-03:'),
    'hosts.yaml:2:3: bad host range in "web[01-03": "[" is never closed — add "]"',
  ],
  [
    'the same key twice in one mapping',
    yaml('hosts:', '  web01:', '  web01:'),
    'hosts.yaml:3:3: "web01" appears twice in hosts (first at line 2) — keep one',
  ],
  [
    'unknown key in a secret',
    yaml('hosts:', '  db1:', '    password: { evn: DB_PASS }'),
    'hosts.yaml:3:17: unknown key "evn" in "password" of host db1 — did you mean "env"?',
  ],
  [
    'secret with two sources',
    yaml('hosts:', '  db1:', '    password: { env: A, file: b }'),
    'hosts.yaml:3:15: "password" in host db1 must be exactly one of { env: NAME }, { file: path } or { value: text }, got a mapping',
  ],
  [
    'secret env name that is not a variable name',
    yaml('defaults:', '  passphrase: { env: my-var }'),
    'hosts.yaml:2:22: "env" in "passphrase" of defaults must be an environment variable name, got "my-var"',
  ],
  [
    'agent that is not a boolean',
    yaml('defaults:', '  agent: yes'),
    'hosts.yaml:2:10: "agent" in defaults must be true or false, got "yes"',
  ],
  [
    'children written as a mapping',
    yaml('groups:', '  web: {}', '  prod:', '    children:', '      web:'),
    'hosts.yaml:5:7: "children" of group prod must be a list of group names, like [web, db], got a mapping',
  ],
  [
    'reserved group name',
    yaml('groups:', '  all:', '    hosts: [a]'),
    'hosts.yaml:2:3: group name "all" is reserved (it always means every host) — rename the group',
  ],
  [
    'jump host that jumps through itself',
    yaml('defaults:', '  jump: bastion', 'hosts:', '  bastion:', '  web01:'),
    'hosts.yaml:2:9: host bastion would jump through itself — set "jump: none" on host bastion',
  ],
  [
    'jump hosts in a loop',
    yaml('hosts:', '  a: { jump: b }', '  b: { jump: deploy@a:22 }'),
    'hosts.yaml:2:14: jump hosts form a loop: a → b → a — set "jump: none" on one of them',
  ],
  [
    'jump with several hops',
    yaml('defaults:', '  jump: a,b'),
    'hosts.yaml:2:9: "jump" in defaults must be one host as [user@]host[:port] (chain hops by giving the jump host its own jump), got "a,b"',
  ],
  [
    'user written as a number',
    yaml('hosts:', '  web01: { user: 1000 }'),
    'hosts.yaml:2:18: "user" in host web01 must be a string (put it in quotes), got 1000',
  ],
  [
    'identity file list with a non-path',
    yaml('defaults:', '  identityFile:', '    - ~/.ssh/id_ed25519', '    - 42'),
    'hosts.yaml:4:7: "identityFile" in defaults must be a file path (put it in quotes), got 42',
  ],
  ['empty file', yaml('# nothing yet'), 'hosts.yaml:1:1: the inventory is empty — list hosts under hosts: or groups: (see inventory.example.yaml)'],
  [
    'a list instead of a mapping',
    yaml('- web01', '- web02'),
    'hosts.yaml:1:1: the inventory must be a mapping with defaults:, hosts: and groups:, got a list',
  ],
  [
    'host name with a space',
    yaml('hosts:', '  "web 01":'),
    'hosts.yaml:2:3: host name "web 01" cannot be used in patterns: no spaces, commas, * or ?, and no leading !, & or ~ — rename it',
  ],
  [
    'both formats in one file',
    yaml('all:', '  hosts: { a: }', 'groups: {}'),
    'hosts.yaml:1:1: "all" belongs to Ansible\'s inventory format, but this file also has fleet\'s groups — use one format per file',
  ],
  [
    'group hosts as a scalar',
    yaml('groups:', '  web:', '    hosts: web01'),
    'hosts.yaml:3:12: hosts of group web (host name → settings) must be a mapping, got "web01"',
  ],
];

describe('malformed inventories', () => {
  it('has at least 15 cases', () => expect(cases.length).toBeGreaterThanOrEqual(15));

  it.each(cases)('%s', (_title, text, message) => {
    const err = configError(() => parse(text), message);
    const [, line, column] = /^hosts\.yaml:(\d+):(\d+): /.exec(message) ?? [];
    expect(err.code).toBe('CONFIG');
    expect(err.details).toMatchObject({ file: 'hosts.yaml', line: Number(line), column: Number(column) });
  });

  it('names the host on host-level errors', () => {
    const err = configError(() => parse(yaml('hosts:', '  web01:', '    prot: 22')), 'hosts.yaml:3:5: unknown key "prot" in host web01 — did you mean "port"?');
    expect(err.host).toBe('web01');
  });

  it('reports YAML syntax errors at their position', () => {
    const err = configError(() => parse(yaml('hosts:', '  web01: {port: 22')), 'hosts.yaml:3:1: YAML syntax error: Flow map in block collection must be sufficiently indented and end with a }');
    expect(err.details.line).toBe(3);
  });
});
