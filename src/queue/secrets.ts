import { homedir } from 'node:os';
import { ConfigError } from '../core/errors.js';
import { resolveSecret, type HostConfig, type Secret } from '../inventory/index.js';
import type { HostTarget, HostTask } from '../runner/transport/task.js';
import { defaultIdentityFiles } from '../ssh/default-identities.js';
import type { QueuedTarget, QueuedTask } from './wire.js';

/** Where one host's secrets and agent socket are, as the inventory says it: nothing resolved. */
export interface HostRefs {
  password?: Secret;
  passphrase?: Secret;
  agent: QueuedTarget['agent'];
}

export function refsOf(host: HostConfig, password?: string): HostRefs {
  const agent = !host.agent ? false : host.identityAgent === undefined ? 'own' : host.identityAgent === '' ? false : host.identityAgent;
  const pw = password !== undefined ? { value: password } : host.password;
  return { ...(pw ? { password: pw } : {}), ...(host.passphrase ? { passphrase: host.passphrase } : {}), agent };
}

/** A HostConfig as buildTargets may see it on the submitter: no secret to resolve there. */
export function withoutSecrets(host: HostConfig): HostConfig {
  const { password: _p, passphrase: _pp, ...rest } = host;
  return rest;
}

/** The task as published: the target's secrets replaced by the references of its host (a jump: its own, else its parent's). */
export function toQueuedTask(task: HostTask, refs: (name: string) => HostRefs | undefined, sudoPassword?: string): QueuedTask {
  const queued = (t: HostTarget, parent: HostRefs | undefined): QueuedTarget => {
    const r = refs(t.host) ?? parent ?? { agent: false };
    const { password: _p, passphrase: _pp, agent: _a, defaultIdentityFiles: _d, jump, ...rest } = t;
    const secrets = { ...(r.password ? { password: r.password } : {}), ...(r.passphrase ? { passphrase: r.passphrase } : {}) };
    return { ...rest, secrets, agent: r.agent, ...(jump ? { jump: queued(jump, r) } : {}) };
  };
  return { host: queued(task.host, undefined), steps: task.steps, ...(sudoPassword !== undefined ? { sudoPassword: { value: sudoPassword } } : {}) };
}

/** Hosts whose task would put a literal secret on the queue (inventory `password: '…'`, --ask-pass, a sudo password). */
export function literalSecretHosts(tasks: readonly QueuedTask[]): string[] {
  const literal = (s: Secret | undefined) => s !== undefined && 'value' in s;
  const inChain = (t: QueuedTarget | undefined): boolean => t !== undefined && (literal(t.secrets.password) || literal(t.secrets.passphrase) || inChain(t.jump));
  return tasks.filter((t) => inChain(t.host) || literal(t.sudoPassword)).map((t) => t.host.host);
}

export function refuseLiteralSecrets(tasks: readonly QueuedTask[]): void {
  const hosts = literalSecretHosts(tasks);
  if (hosts.length === 0) return;
  const shown = hosts.slice(0, 3).join(', ') + (hosts.length > 3 ? ` and ${hosts.length - 3} more` : '');
  throw new ConfigError(
    `--queue: ${shown} need${hosts.length === 1 ? 's' : ''} a literal or prompted secret (inventory password, --ask-pass), ` +
      'which would travel over the queue: give it as { env: NAME } or { file: PATH } (resolved on each agent), ' +
      'or use a tls:// queue URL with credentials. Nothing was published.',
  );
}

/** On the agent: its own secrets, agent socket and default keys. A missing one fails that host only. */
export async function resolveQueuedTask(task: QueuedTask): Promise<HostTask> {
  const defaults = defaultIdentityFiles(homedir());
  const resolve = async (q: QueuedTarget): Promise<HostTarget> => {
    const { secrets, agent, jump, ...rest } = q;
    const password = secrets.password && (await resolveSecret(secrets.password, q.host, 'password'));
    const passphrase = secrets.passphrase && (await resolveSecret(secrets.passphrase, q.host, 'passphrase'));
    const socket = agent === 'own' ? (process.env.SSH_AUTH_SOCK ?? false) : agent;
    return {
      ...rest,
      agent: socket,
      defaultIdentityFiles: defaults,
      ...(password !== undefined ? { password } : {}),
      ...(passphrase !== undefined ? { passphrase } : {}),
      ...(jump ? { jump: await resolve(jump) } : {}),
    };
  };
  const host = await resolve(task.host);
  const sudo = task.steps.some((s) => s.kind === 'exec' && s.sudo !== undefined);
  const sudoPassword = task.sudoPassword ? await resolveSecret(task.sudoPassword, host.host, 'password') : sudo ? host.password : undefined;
  return { host, steps: task.steps, ...(sudoPassword !== undefined ? { sudoPassword } : {}) };
}
