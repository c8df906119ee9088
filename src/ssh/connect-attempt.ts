import type { Duplex } from 'node:stream';
import ssh2 from 'ssh2';
import { AbortError, AuthError, ConnectError } from '../core/errors.js';
import { agentSocket, type AuthPlan } from './auth.js';
import { DroppedBeforeBanner, isDropBeforeBanner, type ConnectClock } from './connect-retry.js';
import type { Ssh2HostVerifier } from './host-key-verifier.js';
import { DEFAULT_LOCK_TIMEOUT_MS } from './known-hosts-lock.js';
import type { SshHostOptions } from './options.js';
import { translateConnectError } from './translate-error.js';

declare module 'ssh2' {
  interface ConnectConfig {
    /**
     * false: sign a key at once instead of first asking the server whether it would accept it (RFC 4252 §7
     * allows both). Added by patches/ssh2+1.17.0.patch.
     */
    publicKeyQuery?: boolean;
  }
}

export const DEFAULT_KEEPALIVE_INTERVAL_MS = 5_000;
export const DEFAULT_KEEPALIVE_COUNT_MAX = 3;
/** Time for authentication after the handshake: several PAM failure delays (~2-3 s each) must fit. */
const LOGIN_ALLOWANCE_MS = 20_000;

export interface AttemptContext {
  host: string;
  address: string;
  port: number;
  user: string;
  connectTimeoutMs: number;
  via?: string;
  givenOn?: SshHostOptions['givenOn'];
}

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

export interface Attempt {
  options: SshHostOptions;
  plan: AuthPlan;
  hostKeys: Ssh2HostVerifier;
  ctx: AttemptContext;
  clock: ConnectClock;
  sock?: Duplex;
  signal?: AbortSignal;
}

/**
 * One TCP connect + SSH handshake + login. Resolves with the ready client; rejects with a FleetError, or with
 * DroppedBeforeBanner when the server closed or reset the connection before the key exchange began (the one
 * failure worth trying again, see connect-retry.ts).
 */
export function connectOnce({ options, plan, hostKeys, ctx, clock, sock, signal }: Attempt): Promise<ssh2.Client> {
  const client = new ssh2.Client();
  return new Promise<ssh2.Client>((resolve, reject) => {
    let settled = false;
    let keyExchangeBegan = false;
    let handshakeTimer: NodeJS.Timeout | undefined;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      clearTimeout(handshakeTimer);
      clock.resume();
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const fail = (err: Error) =>
      settle(() => {
        client.destroy();
        reject(err);
      });
    const onAbort = () => fail(new AbortError(`${options.host}: cancelled while connecting`, { host: options.host }));
    signal?.addEventListener('abort', onAbort, { once: true });
    // Like OpenSSH's ConnectTimeout this bounds TCP connect + SSH handshake: a hung host shows here. Login
    // itself gets its own allowance, because PAM delays each failed password by seconds. The clock stops while
    // the host key is checked: that is local work (and may wait for the known_hosts lock, which has its own
    // bounded wait and error), not the host being slow.
    const armHandshakeTimer = () => {
      handshakeTimer = setTimeout(() => {
        const err = Object.assign(new Error('Timed out while waiting for handshake'), { level: 'client-timeout' });
        fail(translateConnectError(err, ctx));
      }, clock.remainingMs());
    };
    armHandshakeTimer();
    client.once('handshake', () => {
      keyExchangeBegan = true;
      clearTimeout(handshakeTimer);
    });
    client.once('ready', () => settle(() => resolve(client)));
    // Not once: ssh2 can emit a second error while tearing down, which must not go unhandled.
    client.on('error', (err: Error & { code?: string }) => {
      const keyError = hostKeys.error();
      if (keyError) return fail(keyError);
      const fleetErr = translateConnectError(err, ctx);
      if (!keyExchangeBegan && isDropBeforeBanner(err)) return fail(new DroppedBeforeBanner(fleetErr));
      if (fleetErr instanceof AuthError) {
        const detail = [`tried ${plan.tried.join(', ') || 'nothing'}`, ...plan.problems].join('; ');
        const hint = options.givenOn === 'cli' ? ' — on the command line: -u USER, -k FILE, --ask-pass' : '';
        return fail(new AuthError(`${fleetErr.message} [${detail}]${hint}`, { host: options.host, cause: err }));
      }
      fail(fleetErr);
    });
    client.once('close', () =>
      fail(
        hostKeys.error() ??
          new ConnectError(`${options.host}: connection closed during login`, { host: options.host, reason: 'closed' }),
      ),
    );
    client.connect({
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
      authHandler: plan.handler,
      hostVerifier: (key: Buffer, verify: (ok: boolean) => void) => {
        keyExchangeBegan = true;
        clearTimeout(handshakeTimer);
        clock.pause();
        hostKeys.verifier(key, (ok) => {
          clock.resume();
          if (!settled && ok) armHandshakeTimer();
          verify(ok);
        });
      },
    });
  });
}
