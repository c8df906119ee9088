import { lstatSync, mkdirSync, type Stats } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '../core/errors.js';

/**
 * Where the broker listens. The directory is the whole access control: a Unix socket carries no password,
 * and Node cannot read the peer's uid, so only a directory that nobody else may enter keeps other users from
 * reaching sessions logged in as this one. Both sides check it before use — the broker before it listens,
 * the client before it sends a task with secrets — because a planted directory fools either.
 */
export function brokerDir(env: NodeJS.ProcessEnv = process.env): string {
  const runtime = env.XDG_RUNTIME_DIR;
  return runtime ? join(runtime, 'fleet') : join(homedir(), '.fleet');
}

export function socketPath(dir: string = brokerDir()): string {
  return join(dir, 'broker.sock');
}

const octal = (mode: number) => `0${(mode & 0o777).toString(8)}`;

/** Throws unless `path` is owned by this user and neither group nor others may use it. */
function checkPrivate(path: string, what: string, kind: (s: Stats) => boolean): void {
  const s = lstatSync(path);
  const uid = process.getuid?.();
  if (!kind(s)) throw new ConfigError(`the broker ${what} ${path} is not a ${what}; remove it`);
  if (uid !== undefined && s.uid !== uid) throw new ConfigError(`the broker ${what} ${path} belongs to uid ${s.uid}, not to you (uid ${uid}); refusing to use it`);
  if ((s.mode & 0o077) !== 0) throw new ConfigError(`the broker ${what} ${path} is open to other users (mode ${octal(s.mode)}); refusing to use it (chmod 700 the directory)`);
}

export function checkBrokerDir(dir: string): void {
  checkPrivate(dir, 'directory', (s) => s.isDirectory());
}

export function checkBrokerSocket(path: string): void {
  checkPrivate(path, 'socket', (s) => s.isSocket());
}

/** The broker's side: the directory is made 0700 when missing; an existing one must already be private. */
export function ensureBrokerDir(dir: string = brokerDir()): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  checkBrokerDir(dir);
  return dir;
}
