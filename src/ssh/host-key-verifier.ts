import { appendFile, mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { HostKeyError } from '../core/errors.js';
import { LockTimeoutError, withFileLock } from './known-hosts-lock.js';
import {
  findEntries,
  fingerprint,
  formatKnownHostsLine,
  hostString,
  keyTypeOf,
  readKnownHostsText,
  type KnownHostsEntry,
} from './known-hosts.js';
import { parsedKnownHosts } from './known-hosts-cache.js';
import { shellQuote } from './shell-quote.js';
import type { HostKeyPolicy } from './options.js';

/**
 * Host key checking against OpenSSH known_hosts (DESIGN.md §3, §6).
 *
 * For the entries whose host patterns match `address`/`port` (cert-authority lines ignored):
 * 1. the presented key is listed under `@revoked`            → refused under every policy, `off` included
 * 2. a plain entry has the same key                          → accepted
 * 3. a plain entry has the same key type but another key     → changed: refused under strict and accept-new
 * 4. otherwise (no entry, or entries of other key types only) → unknown: strict refuses, accept-new appends
 *    `hoststring type base64` (as OpenSSH does when a host is known only with other key types).
 * `off` accepts everything except revoked keys, writes nothing, and warns once per process.
 *
 * Appends are safe under concurrency: per file, appends in this process run one at a time (promise chain),
 * and each runs under `<file>.lock` (see known-hosts-lock.ts) with the file re-read and the decision re-made
 * inside the lock, then the line written with one O_APPEND write. New lines are not hashed.
 */
export interface HostKeyCheckOptions {
  /** Inventory name, for messages. */
  host: string;
  address: string;
  port: number;
  /** Default ~/.ssh/known_hosts; a leading `~/` is expanded. */
  knownHostsFile?: string;
  /** Default accept-new. */
  policy?: HostKeyPolicy;
  onWarning?: (message: string) => void;
}

export type HostKeyDecision =
  | { kind: 'known'; entry: KnownHostsEntry }
  | { kind: 'revoked'; entry: KnownHostsEntry }
  | { kind: 'changed'; entry: KnownHostsEntry }
  | { kind: 'unknown'; others: KnownHostsEntry[] };

/** The decision for a presented key, given the entries that match its host (from `findEntries`). */
export function decideHostKey(entries: KnownHostsEntry[], keyBlob: Buffer): HostKeyDecision {
  const type = keyTypeOf(keyBlob);
  const revoked = entries.find((e) => e.marker === 'revoked' && e.key.equals(keyBlob));
  if (revoked) return { kind: 'revoked', entry: revoked };
  const plain = entries.filter((e) => e.marker === undefined);
  const known = plain.find((e) => e.key.equals(keyBlob));
  if (known) return { kind: 'known', entry: known };
  const changed = plain.find((e) => e.keyType === type);
  if (changed) return { kind: 'changed', entry: changed };
  return { kind: 'unknown', others: plain };
}

export function defaultKnownHostsFile(): string {
  return join(homedir(), '.ssh', 'known_hosts');
}

function resolveFile(file: string | undefined): string {
  if (file === undefined) return defaultKnownHostsFile();
  if (file === '~' || file.startsWith('~/')) return join(homedir(), file.slice(1));
  return resolve(file);
}

/** `~/…` for files under the home directory, for messages. */
function displayPath(file: string): string {
  const home = homedir();
  return file.startsWith(home + sep) ? `~${file.slice(home.length)}` : file;
}

/** ssh-keyscan's -t names. */
function keyscanType(type: string): string {
  if (type === 'ssh-ed25519') return 'ed25519';
  if (type.startsWith('ecdsa-sha2-')) return 'ecdsa';
  if (type === 'ssh-rsa') return 'rsa';
  return type;
}

/** OpenSSH's short key names in its notices: ED25519, ECDSA, RSA. */
function keyLabel(keyBlob: Buffer): string {
  const type = keyTypeOf(keyBlob) ?? '';
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (type === 'ssh-rsa') return 'RSA';
  return type.toUpperCase();
}

let offWarningGiven = false;

/** Tests only: make the next `off` check warn again. */
export function resetHostKeyWarningForTests(): void {
  offWarningGiven = false;
}

function errorFor(
  decision: Exclude<HostKeyDecision, { kind: 'known' }>,
  opts: HostKeyCheckOptions,
  file: string,
  keyBlob: Buffer,
): HostKeyError {
  const shown = displayPath(file);
  const presented = `${keyTypeOf(keyBlob) ?? 'unknown-type'} ${fingerprint(keyBlob)}`;
  const hs = hostString(opts.address, opts.port);
  const base = { host: opts.host, knownHostsFile: file };
  switch (decision.kind) {
    case 'changed':
      return new HostKeyError(
        `${opts.host}: host key changed (${shown} line ${decision.entry.line}); the host now presents ${presented}. ` +
          `If the change is expected remove the old key with: ssh-keygen -R ${shellQuote(hs)} -f ${shellQuote(file)} ` +
          `(otherwise someone may be intercepting the connection)`,
        { ...base, knownHostsLine: decision.entry.line },
      );
    case 'revoked':
      return new HostKeyError(
        `${opts.host}: host key ${presented} is revoked (${shown} line ${decision.entry.line}, @revoked); ` +
          `refusing to connect under every host key policy. The host needs a new host key`,
        { ...base, knownHostsLine: decision.entry.line },
      );
    case 'unknown': {
      const others = decision.others.length
        ? ` (known there only with ${decision.others.map((e) => `${e.keyType} at line ${e.line}`).join(', ')})`
        : '';
      const portArg = opts.port === 22 ? '' : ` -p ${opts.port}`;
      return new HostKeyError(
        `${opts.host}: host key not known: ${hs} presents ${presented}, not in ${shown}${others}, and hostKeyPolicy ` +
          `is strict. Check the fingerprint, then add the key with: ` +
          `ssh-keyscan${portArg} -t ${keyscanType(keyTypeOf(keyBlob) ?? '')} ${shellQuote(opts.address)} >> ${shellQuote(file)}` +
          ` — or, to have new hosts' keys accepted and recorded, set hostKeyPolicy: accept-new for the host in the ` +
          `inventory (or the Fleet option) and run without --strict-host-keys`,
        base,
      );
    }
  }
}

/** A lock someone else keeps: say whose, and how to clear it if that holder is gone (e.g. another machine's). */
function lockHeld(opts: HostKeyCheckOptions, file: string, err: LockTimeoutError): HostKeyError {
  const { pid, hostname } = err.holder;
  const who = pid === undefined ? 'another process' : `pid ${pid}${hostname ? ` on ${hostname}` : ''}`;
  return new HostKeyError(
    `${opts.host}: cannot add its host key to ${displayPath(file)}: ${who} has held the lock file ` +
      `${shellQuote(err.lockPath)} for more than ${Math.round(err.waitedMs / 1000)} s. If no fleet is running, ` +
      `remove it (rm ${shellQuote(err.lockPath)}) and run again`,
    { host: opts.host, knownHostsFile: file, cause: err },
  );
}

function cannotRead(opts: HostKeyCheckOptions, file: string, cause: unknown, doing: string): HostKeyError {
  const why = cause instanceof Error ? cause.message : String(cause);
  return new HostKeyError(`${opts.host}: cannot ${doing} ${displayPath(file)}: ${why}; fix the file or set knownHosts`, {
    host: opts.host,
    knownHostsFile: file,
    cause,
  });
}

async function decideFromFile(file: string, opts: HostKeyCheckOptions, keyBlob: Buffer): Promise<{ decision: HostKeyDecision; text: string }> {
  const text = await readKnownHostsText(file);
  return { decision: decideHostKey(findEntries(parsedKnownHosts(file, text), opts.address, opts.port), keyBlob), text };
}

const appendChains = new Map<string, Promise<void>>();

/** Runs `fn` after every earlier call for the same key has settled. */
function serialize<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const run = (appendChains.get(key) ?? Promise.resolve()).then(fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  appendChains.set(key, tail);
  void tail.then(() => {
    if (appendChains.get(key) === tail) appendChains.delete(key);
  });
  return run;
}

/** Under the per-file chain and the lock file: re-read, re-decide, append if still unknown. */
function appendIfStillUnknown(file: string, opts: HostKeyCheckOptions, keyBlob: Buffer): Promise<HostKeyDecision | 'added'> {
  // The lock's wait counts from here: hosts queued behind each other on the chain must not each wait it anew.
  const since = Date.now();
  return serialize(file, async () => {
    await mkdir(dirname(file), { recursive: true, mode: 0o700 });
    return withFileLock(`${file}.lock`, async () => {
      const { decision, text } = await decideFromFile(file, opts, keyBlob);
      if (decision.kind !== 'unknown') return decision;
      const nl = text.length > 0 && !text.endsWith('\n') ? '\n' : '';
      // One appendFile call = one write(2) on an O_APPEND descriptor: lines never interleave.
      await appendFile(file, `${nl}${formatKnownHostsLine(opts.address, opts.port, keyBlob)}\n`, { mode: 0o600 });
      return 'added';
    }, { since });
  });
}

/** Resolves if the host key is acceptable under the policy (appending it under accept-new); else HostKeyError. */
export async function verifyHostKey(opts: HostKeyCheckOptions, keyBlob: Buffer): Promise<void> {
  const file = resolveFile(opts.knownHostsFile);
  const policy = opts.policy ?? 'accept-new';
  if (keyTypeOf(keyBlob) === undefined) {
    throw new HostKeyError(`${opts.host}: the server presented a malformed host key`, { host: opts.host, knownHostsFile: file });
  }

  if (policy === 'off') {
    // Revoked keys stay refused; an unreadable file is not a reason to fail when checking is off.
    const found = await decideFromFile(file, opts, keyBlob).catch(() => undefined);
    if (found?.decision.kind === 'revoked') throw errorFor(found.decision, opts, file, keyBlob);
    if (!offWarningGiven && opts.onWarning) {
      offWarningGiven = true;
      opts.onWarning(
        'host key checking is off (hostKeyPolicy: off): host keys are not verified and connections can be intercepted; ' +
          'use accept-new or strict',
      );
    }
    return;
  }

  let decision: HostKeyDecision | 'added';
  try {
    decision = (await decideFromFile(file, opts, keyBlob)).decision;
  } catch (err) {
    throw cannotRead(opts, file, err, 'read known_hosts file');
  }
  if (decision.kind === 'unknown' && policy === 'accept-new') {
    try {
      decision = await appendIfStillUnknown(file, opts, keyBlob);
    } catch (err) {
      if (err instanceof LockTimeoutError) throw lockHeld(opts, file, err);
      throw cannotRead(opts, file, err, 'add the host key to');
    }
  }
  if (decision === 'added') {
    // OpenSSH's own words, so operators (and their grep) recognise it; the caller decides where it goes.
    opts.onWarning?.(`Permanently added '${hostString(opts.address, opts.port)}' (${keyLabel(keyBlob)}) to the list of known hosts.`);
    return;
  }
  if (decision.kind === 'known') return;
  throw errorFor(decision, opts, file, keyBlob);
}

export interface Ssh2HostVerifier {
  /** Pass as ssh2's `hostVerifier` (async form; leave `hostHash` unset so the key arrives as a Buffer). */
  verifier: (key: Buffer, verify: (ok: boolean) => void) => void;
  /** The reason of the last refusal: ssh2 itself only reports "Host denied (verification failed)". */
  error(): HostKeyError | undefined;
}

export function hostVerifierFor(opts: HostKeyCheckOptions): Ssh2HostVerifier {
  let last: HostKeyError | undefined;
  return {
    verifier(key, verify) {
      if (!Buffer.isBuffer(key)) {
        last = new HostKeyError(`${opts.host}: host key verifier got a hashed key; do not set hostHash`, { host: opts.host });
        verify(false);
        return;
      }
      verifyHostKey(opts, key).then(
        () => verify(true),
        (err: unknown) => {
          last =
            err instanceof HostKeyError
              ? err
              : new HostKeyError(`${opts.host}: host key check failed: ${err instanceof Error ? err.message : String(err)}`, {
                  host: opts.host,
                  cause: err,
                });
          verify(false);
        },
      );
    },
    error: () => last,
  };
}
