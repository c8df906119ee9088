import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { sep } from 'node:path';
import type { AnyAuthMethod, AuthHandlerMiddleware, KeyboardInteractiveAuthMethod } from 'ssh2';
import { defaultIdentityFiles } from './default-identities.js';
import type { SshHostOptions } from './options.js';
import { parseKeyCached } from './parsed-key-cache.js';

type Attempt = AnyAuthMethod;
type Prompt = Parameters<KeyboardInteractiveAuthMethod['prompt']>;

/** The authentication plan for one host, and a record of how it went for the error message. */
export interface AuthPlan {
  handler: AuthHandlerMiddleware;
  /** Human-readable methods tried so far, in order: "publickey (~/.ssh/id_ed25519)", "password". */
  tried: string[];
  /** Why a configured credential could not be used at all (missing file, encrypted key without passphrase). */
  problems: string[];
  /** Nothing usable was configured. */
  empty: boolean;
}

interface Candidate {
  method: 'agent' | 'publickey' | 'password' | 'keyboard-interactive';
  label: string;
  attempt: Attempt;
}

function shortPath(file: string): string {
  const home = homedir();
  return file.startsWith(home + sep) ? `~${file.slice(home.length)}` : file;
}

export function agentSocket(agent: SshHostOptions['agent']): string | undefined {
  if (typeof agent === 'string') return agent;
  if (agent === false) return undefined;
  return process.env.SSH_AUTH_SOCK || undefined;
}

async function keyCandidate(
  source: string,
  label: string,
  data: Buffer | string,
  user: string,
  passphrase: string | undefined,
  problems: string[],
): Promise<Candidate | undefined> {
  // Parse up front: ssh2 silently skips a key it cannot parse, and the operator must learn why.
  const key = parseKeyCached(data, passphrase);
  if (key instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(key.message);
    problems.push(
      encrypted
        ? `${label} is encrypted and ${passphrase === undefined ? 'no passphrase was given (set passphrase:)' : 'the passphrase is wrong'}`
        : `${label} is not a private key ssh2 can read (${key.message})`,
    );
    return undefined;
  }
  if (!key.isPrivateKey()) {
    problems.push(`${label} holds no private key`);
    return undefined;
  }
  return {
    method: 'publickey',
    label: `publickey (${source})`,
    // The parsed key, not the bytes: ssh2 would parse them again for every connection.
    attempt: { type: 'publickey', username: user, key },
  };
}

/**
 * Builds the order: agent keys, identity files in order (publickey) — or, when none is given, OpenSSH's
 * default keys that exist — password, then keyboard-interactive when
 * the server does not take plain passwords; it answers every prompt with the password, which is what
 * PAM-backed servers that disable PasswordAuthentication ask for.
 */
export async function planAuth(options: SshHostOptions): Promise<AuthPlan> {
  const { user, passphrase, password } = options;
  const problems: string[] = [];
  const candidates: Candidate[] = [];

  const sock = agentSocket(options.agent);
  if (sock) candidates.push({ method: 'agent', label: 'agent', attempt: { type: 'agent', username: user, agent: sock } });

  for (const file of options.identityFiles ?? []) {
    let data: Buffer;
    try {
      // Blocking on purpose: a key file is small and local, and every host of a run reads it once.
      data = readFileSync(file);
    } catch (err) {
      problems.push(`identity file ${file} cannot be read (${(err as NodeJS.ErrnoException).code ?? err})`);
      continue;
    }
    const c = await keyCandidate(file, `identity file ${file}`, data, user, passphrase, problems);
    if (c) candidates.push(c);
  }
  for (const [i, key] of (options.privateKeys ?? []).entries()) {
    const c = await keyCandidate(`key #${i + 1}`, `private key #${i + 1}`, key, user, passphrase, problems);
    if (c) candidates.push(c);
  }
  if ((options.identityFiles ?? []).length === 0 && (options.privateKeys ?? []).length === 0) {
    for (const file of options.defaultIdentityFiles ?? defaultIdentityFiles(homedir())) {
      let data: Buffer;
      try {
        data = readFileSync(file);
      } catch {
        // As in OpenSSH, a default key that is not there is simply not offered.
        continue;
      }
      const c = await keyCandidate(shortPath(file), `default key ${shortPath(file)}`, data, user, passphrase, problems);
      if (c) candidates.push(c);
    }
  }
  if (password !== undefined) {
    candidates.push({ method: 'password', label: 'password', attempt: { type: 'password', username: user, password } });
    candidates.push({
      method: 'keyboard-interactive',
      label: 'keyboard-interactive',
      attempt: {
        type: 'keyboard-interactive',
        username: user,
        prompt: (...[, , , prompts, finish]: Prompt) => finish(prompts.map(() => password)),
      },
    });
  }

  const tried: string[] = [];
  let index = 0;
  const handler: AuthPlan['handler'] = (methodsLeft, _partial, next) => {
    while (index < candidates.length) {
      const c = candidates[index++]!;
      const wire = c.method === 'agent' ? 'publickey' : c.method;
      // The first call (methodsLeft null) precedes the server's list; later ones skip what it won't take.
      if (methodsLeft && !methodsLeft.includes(wire)) continue;
      // keyboard-interactive is only the fallback for servers that refuse plain password auth: a password the
      // server did take and reject, tried again this way, would double PAM's failure delay for nothing.
      if (c.method === 'keyboard-interactive' && tried.includes('password') && methodsLeft?.includes('password')) continue;
      tried.push(c.label);
      next(c.attempt);
      return;
    }
    // ssh2 takes `false` for "nothing left to try"; its type definitions omit it.
    (next as unknown as (v: false) => void)(false);
  };
  return { handler, tried, problems, empty: candidates.length === 0 };
}
