import { describe, expect, it } from 'vitest';
import type { HostConfig } from '../../../src/inventory/index.js';
import type { HostTask } from '../../../src/runner/transport/task.js';
import { literalSecretHosts, refsOf, refuseLiteralSecrets, resolveQueuedTask, toQueuedTask, type HostRefs } from '../../../src/queue/secrets.js';

const config = (name: string, extra: Partial<HostConfig> = {}): HostConfig => ({
  name,
  address: name,
  port: 22,
  user: 'ops',
  identityFile: ['/keys/id'],
  agent: true,
  knownHosts: '/kh',
  hostKeyPolicy: 'accept-new',
  connectTimeoutMs: 5000,
  groups: [],
  ...extra,
});

const task = (host: string, jump?: string): HostTask => ({
  host: {
    host,
    address: host,
    port: 22,
    user: 'ops',
    identityFiles: ['/keys/id'],
    agent: '/submitter/agent.sock',
    password: 'resolved-on-the-submitter',
    ...(jump ? { jump: { host: jump, address: jump, port: 22, user: 'ops', agent: false } } : {}),
  },
  steps: [{ kind: 'exec', command: 'uptime', sudo: {} }],
});

describe('queue secrets: references travel, values do not', () => {
  it('a task as published carries where its secrets are, never a resolved one, down the jump chain', () => {
    const refs = new Map<string, HostRefs>([
      ['web1', refsOf(config('web1', { password: { env: 'WEB_PW' } }))],
      ['bastion', refsOf(config('bastion', { passphrase: { file: '/secret/pp' }, agent: false }))],
    ]);
    const queued = toQueuedTask(task('web1', 'bastion'), (n) => refs.get(n));
    const text = JSON.stringify(queued);
    expect(text).not.toContain('resolved-on-the-submitter');
    expect(text).not.toContain('/submitter/agent.sock');
    expect(queued.host.secrets).toEqual({ password: { env: 'WEB_PW' } });
    expect(queued.host.agent).toBe('own');
    expect(queued.host.jump?.secrets).toEqual({ passphrase: { file: '/secret/pp' } });
    expect(queued.host.jump?.agent).toBe(false);
    expect(literalSecretHosts([queued])).toEqual([]);
  });

  it('a literal inventory password, --ask-pass or a sudo password is refused, naming the hosts', () => {
    const literal = toQueuedTask(task('db1'), () => refsOf(config('db1', { password: { value: 'hunter2' } })));
    const asked = toQueuedTask(task('db2'), () => refsOf(config('db2'), 'typed'));
    const sudo = toQueuedTask(task('db3'), () => refsOf(config('db3')), 'sudo-pw');
    const clean = toQueuedTask(task('db4'), () => refsOf(config('db4')));
    expect(literalSecretHosts([literal, asked, sudo, clean])).toEqual(['db1', 'db2', 'db3']);
    expect(() => refuseLiteralSecrets([literal])).toThrow(/db1 needs a literal or prompted secret[^]*Nothing was published/);
    expect(() => refuseLiteralSecrets([clean])).not.toThrow();
  });

  it("the agent resolves them on its own machine: its env, its ssh-agent; sudo uses the login password", async () => {
    process.env.FLEET_TEST_QUEUE_PW = 'agent-side';
    const saved = process.env.SSH_AUTH_SOCK;
    process.env.SSH_AUTH_SOCK = '/agent/own.sock';
    try {
      const queued = toQueuedTask(task('web1'), () => refsOf(config('web1', { password: { env: 'FLEET_TEST_QUEUE_PW' } })));
      const resolved = await resolveQueuedTask(queued);
      expect(resolved.host.password).toBe('agent-side');
      expect(resolved.host.agent).toBe('/agent/own.sock');
      expect(resolved.sudoPassword).toBe('agent-side');
      expect(resolved.host.defaultIdentityFiles?.length).toBeGreaterThan(0);
    } finally {
      delete process.env.FLEET_TEST_QUEUE_PW;
      if (saved === undefined) delete process.env.SSH_AUTH_SOCK;
      else process.env.SSH_AUTH_SOCK = saved;
    }
  });

  it('a secret the agent cannot find fails with the inventory’s message', async () => {
    const queued = toQueuedTask(task('web1'), () => refsOf(config('web1', { password: { env: 'FLEET_TEST_QUEUE_UNSET' } })));
    await expect(resolveQueuedTask(queued)).rejects.toThrow(/FLEET_TEST_QUEUE_UNSET/);
  });
});
