import { readFile } from 'node:fs/promises';
import { ConfigError } from '../core/errors.js';
import type { HostConfig, Secret } from './types.js';

/**
 * Secrets are resolved at run time, for the selected hosts only: a missing env var for a host nobody targeted
 * must not stop the run. The resolved value never goes into an error message.
 */

export interface SecretOptions {
  env?: NodeJS.ProcessEnv;
}

export type SecretField = 'password' | 'passphrase';

export async function resolveSecret(secret: Secret, host: string, field: SecretField, options: SecretOptions = {}): Promise<string> {
  const at = secret.at;
  const where = at ? `${at.file === undefined ? '' : `${at.file}:`}${at.line}:${at.column}: ` : '';
  const fault = (why: string): ConfigError =>
    new ConfigError(`${where}host ${host}: "${field}" ${why}`, { host, ...(at ?? {}) });
  if ('value' in secret) return secret.value;
  if ('env' in secret) {
    const value = (options.env ?? process.env)[secret.env];
    if (value === undefined) throw fault(`needs environment variable ${secret.env}, which is not set — export it, or change the secret`);
    if (value === '') throw fault(`needs environment variable ${secret.env}, which is empty — export it with the secret, or change the secret`);
    return value;
  }
  let text: string;
  try {
    text = await readFile(secret.file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw fault(`file ${secret.file} does not exist — create it, or point the secret at another file`);
    throw fault(`file ${secret.file} cannot be read (${code ?? 'error'}) — check that it is a readable file`);
  }
  // `echo pw > file` leaves a newline that is never part of the secret.
  return text.replace(/\r?\n$/, '');
}

export interface HostSecrets {
  password?: string;
  passphrase?: string;
}

export async function resolveHostSecrets(host: HostConfig, options: SecretOptions = {}): Promise<HostSecrets> {
  const out: HostSecrets = {};
  if (host.password) out.password = await resolveSecret(host.password, host.name, 'password', options);
  if (host.passphrase) out.passphrase = await resolveSecret(host.passphrase, host.name, 'passphrase', options);
  return out;
}
