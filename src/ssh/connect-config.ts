import type { Duplex } from 'node:stream';
import type ssh2 from 'ssh2';
import { agentSocket, type AuthPlan } from './auth.js';
import type { ConnectClock } from './connect-retry.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './known-hosts-lock.js';
import type { SshHostOptions } from './options.js';

declare module 'ssh2' {
  interface ConnectConfig {
    /**
     * false: sign a key at once instead of first asking the server whether it would accept it (RFC 4252 §7
     * allows both). Added by patches/ssh2+1.17.0.patch.
     */
    publicKeyQuery?: boolean;
    /**
     * false: ignore the server's host-key announcement (OpenSSH's hostkeys-00) instead of asking it to prove
     * every key and verifying each signature; the 'hostkeys' event then never fires. Added by
     * patches/ssh2+1.17.0.patch.
     */
    proveHostKeys?: boolean;
  }
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
/** Time for authentication after the handshake: several PAM failure delays (~2-3 s each) must fit. */
const LOGIN_ALLOWANCE_MS = 20_000;

let noAgentWarned = false;

/** ssh2 forwards the agent on every session of the connection once `agent` and `agentForward` are set. */
function forwarding(options: SshHostOptions): { agent?: string; agentForward?: boolean } {
  if (!options.forwardAgent) return {};
  const sock = agentSocket(options.agent);
  if (sock) return { agent: sock, agentForward: true };
  if (!noAgentWarned) {
    noAgentWarned = true;
    options.onWarning?.('agent forwarding (-A, ForwardAgent) asked for, but there is no agent (SSH_AUTH_SOCK is unset); not forwarding');
  }
  return {};
}

/** What ssh2 is given for one attempt: where, who, keepalive (its expiry is a lost connection), agent, auth. */
export function connectConfig(
  options: SshHostOptions,
  plan: AuthPlan,
  sock: Duplex | undefined,
  clock: ConnectClock,
  hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => void,
): ssh2.ConnectConfig {
  return {
    host: options.address,
    port: options.port,
    username: options.user,
    ...(sock ? { sock } : {}),
    readyTimeout: clock.remainingMs() + LOGIN_ALLOWANCE_MS + DEFAULT_LOCK_TIMEOUT_MS,
    keepaliveInterval: options.keepaliveIntervalMs ?? DEFAULT_KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: options.keepaliveCountMax ?? DEFAULT_KEEPALIVE_COUNT_MAX,
    ...forwarding(options),
    // One round trip less per host: OpenSSH's ssh asks first, then signs (issue 17, bench/round-trips.ts).
    publicKeyQuery: false,
    // fleet never reads the 'hostkeys' event; the proof cost ~20% of the client's CPU per `exec true` at
    // 1,000 hosts (a signature by each of sshd's keys, verified here), and sshd's RSA signature besides.
    proveHostKeys: false,
    authHandler: plan.handler,
    hostVerifier,
  };
}
