import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import ssh2, { type ConnectConfig } from 'ssh2';
import { connect } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import { startBench, type Bench, type BenchHost } from '../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

/**
 * One round trip less per login: patches/ssh2+1.17.0.patch adds ssh2's `publicKeyQuery: false`, which signs
 * the key at once instead of first asking whether the server would take it (RFC 4252 §7 allows both). sshd
 * at LogLevel DEBUG2 logs each publickey request as "querying" (no signature) or "attempting" (signed), so
 * the test reads what crossed the wire from the server's side. The patch also adds `proveHostKeys: false`:
 * sshd announces its host keys after login, and ssh2 asks it to prove each one (a signature per key there, a
 * verification here) for a 'hostkeys' event fleet never reads; sshd logs each such global request at DEBUG.
 */
describe('publickey login without the query round trip, host keys without the proof', () => {
  let bench: Bench;
  let host: BenchHost;

  beforeAll(async () => {
    bench = await startBench(1, { sshdOptions: ['LogLevel DEBUG2'] });
    host = bench.hosts[0]!;
  });
  afterAll(async () => {
    await bench?.stop();
  });

  /** sshd's publickey lines logged while `body` ran: "querying" or "attempting" each. */
  async function publickeyRequests(body: () => Promise<void>): Promise<string[]> {
    const before = (await host.logs()).length;
    await body();
    const lines = (await host.logs()).slice(before).split('\n');
    return lines.flatMap((l) => /(querying|attempting) public key/.exec(l)?.[1] ?? []);
  }

  /** Offers the bench's ed25519 key, then nothing (ssh2 takes `false` for that; its types omit it). */
  const pubkeyOnly: ssh2.AuthHandlerMiddleware = (methods, _partial, next) => {
    if (methods === null) return next({ type: 'publickey', username: host.user, key: host.keys.ed25519.privateKey });
    (next as unknown as (v: false) => void)(false);
  };

  const rawLogin = (config: Partial<ConnectConfig>) =>
    new Promise<void>((resolve, reject) => {
      const c = new ssh2.Client();
      c.on('error', reject);
      c.on('ready', () => {
        c.end();
        resolve();
      });
      c.connect({ host: host.address, port: host.port, username: host.user, readyTimeout: 10_000, authHandler: pubkeyOnly, ...config });
    });

  it('ssh2 as published asks first; with publicKeyQuery: false it sends the signed request at once', async () => {
    expect(await publickeyRequests(() => rawLogin({}))).toEqual(['querying', 'attempting']);
    expect(await publickeyRequests(() => rawLogin({ publicKeyQuery: false }))).toEqual(['attempting']);
  });

  it('fleet logs in with one signed request and no query', async () => {
    const requests = await publickeyRequests(async () => {
      const conn = await connect(optionsFor(host, tempKnownHosts(), { privateKeys: [host.keys.ed25519.privateKey] }));
      await conn.close();
    });
    expect(requests).toEqual(['attempting']);
  });

  /** Logs in, runs `true` and logs out: by then sshd's host-key announcement has had its answer, if any. */
  const loginAndRun = (config: Partial<ConnectConfig>) =>
    new Promise<void>((resolve, reject) => {
      const c = new ssh2.Client();
      c.on('error', reject);
      c.on('ready', () =>
        c.exec('true', (err, ch) => {
          if (err) return reject(err);
          ch.resume();
          ch.on('close', () => {
            c.end();
            resolve();
          });
        }),
      );
      c.connect({ host: host.address, port: host.port, username: host.user, readyTimeout: 10_000, authHandler: pubkeyOnly, ...config });
    });

  /** How many times sshd was asked to prove its host keys while `body` ran. */
  async function proofRequests(body: () => Promise<void>): Promise<number> {
    const before = (await host.logs()).length;
    await body();
    return (await host.logs()).slice(before).split('\n').filter((l) => /global_request: rtype hostkeys-prove-00@openssh.com/.test(l)).length;
  }

  it('ssh2 as published asks sshd to prove its host keys; with proveHostKeys: false, and from fleet, it does not', async () => {
    expect(await proofRequests(() => loginAndRun({}))).toBe(1);
    expect(await proofRequests(() => loginAndRun({ proveHostKeys: false }))).toBe(0);
    const requests = await proofRequests(async () => {
      const conn = await connect(optionsFor(host, tempKnownHosts(), { privateKeys: [host.keys.ed25519.privateKey] }));
      const r = await runRemoteCommand(conn, 'true');
      expect(r.exitCode).toBe(0);
      await conn.close();
    });
    expect(requests).toBe(0);
  });

  it('a key the host does not accept is refused at once and the next method (password) still logs in', async () => {
    const stranger = ssh2.utils.generateKeyPairSync('ed25519').private;
    const requests = await publickeyRequests(async () => {
      const conn = await connect(optionsFor(host, tempKnownHosts(), { privateKeys: [stranger], password: host.password }));
      await conn.close();
    });
    expect(requests).toEqual(['attempting']);
    expect(await host.logs()).toMatch(/Accepted password for fleet/);
  });
});
