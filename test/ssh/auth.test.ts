import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ssh2 from 'ssh2';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuthError, ConnectError } from '../../src/core/errors.js';
import { connect } from '../../src/ssh/connect.js';
import { runRemoteCommand } from '../../src/ssh/exec.js';
import type { SshHostOptions } from '../../src/ssh/options.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { optionsFor, tempKnownHosts } from './support/target.js';

const keyDir = mkdtempSync(join(tmpdir(), 'fleet-auth-keys-'));

function writeKey(name: string, text: string): string {
  const path = join(keyDir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

/** The authorized_keys line of any private key ssh2 can read. */
function publicLine(privateKey: string, passphrase?: string): string {
  const parsed = ssh2.utils.parseKey(privateKey, passphrase);
  if (parsed instanceof Error) throw parsed;
  const key = Array.isArray(parsed) ? parsed[0]! : parsed;
  return `${key.type} ${key.getPublicSSH().toString('base64')}`;
}

async function whoami(options: SshHostOptions): Promise<string> {
  const conn = await connect(options);
  try {
    const r = await runRemoteCommand(conn, 'whoami');
    return r.stdout.toString().trim();
  } finally {
    await conn.close();
  }
}

describe('ssh: every way to log in, on real sshd', () => {
  let bench: Bench;
  let kh: string;
  const passphrase = 'correct horse battery staple';
  const keys: Record<string, string> = {};

  beforeAll(async () => {
    bench = await startBench(2);
    kh = tempKnownHosts();
    const encryptedEd = ssh2.utils.generateKeyPairSync('ed25519', { passphrase, cipher: 'aes256-ctr', rounds: 4 });
    const ecdsa = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const rsaPem = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const encryptedPem = generateKeyPairSync('rsa', { modulusLength: 2048 });
    keys.encryptedEd25519 = writeKey('enc_ed25519', encryptedEd.private);
    keys.ecdsaPem = writeKey('ecdsa.pem', ecdsa.privateKey.export({ type: 'sec1', format: 'pem' }).toString());
    keys.rsaPem = writeKey('rsa.pem', rsaPem.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString());
    keys.encryptedPem = writeKey(
      'rsa_enc.pem',
      encryptedPem.privateKey.export({ type: 'pkcs1', format: 'pem', cipher: 'aes-256-cbc', passphrase }).toString(),
    );
    const authorized = [
      encryptedEd.public,
      publicLine(ecdsa.privateKey.export({ type: 'sec1', format: 'pem' }).toString()),
      publicLine(rsaPem.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
      publicLine(encryptedPem.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString()),
    ];
    for (const h of bench.hosts) {
      const r = await h.exec(`printf '%s\\n' ${authorized.map((l) => `'${l}'`).join(' ')} >> /home/fleet/.ssh/authorized_keys`);
      expect(r.exitCode).toBe(0);
    }
  });
  afterAll(async () => {
    await bench?.stop();
  });

  const host = () => bench.hosts[0]!;

  it('password', async () => {
    expect(await whoami(optionsFor(host(), kh, { password: host().password }))).toBe('fleet');
  });

  it('ed25519 key (OpenSSH format)', async () => {
    expect(await whoami(optionsFor(host(), kh, { identityFiles: [host().keys.ed25519.path] }))).toBe('fleet');
  });

  it('RSA key (OpenSSH format)', async () => {
    expect(await whoami(optionsFor(host(), kh, { identityFiles: [host().keys.rsa.path] }))).toBe('fleet');
  });

  it('RSA key (PEM) and ECDSA key (PEM)', async () => {
    expect(await whoami(optionsFor(host(), kh, { identityFiles: [keys.rsaPem!] }))).toBe('fleet');
    expect(await whoami(optionsFor(host(), kh, { identityFiles: [keys.ecdsaPem!] }))).toBe('fleet');
  });

  it('encrypted keys with their passphrase (OpenSSH and PEM)', async () => {
    expect(await whoami(optionsFor(host(), kh, { identityFiles: [keys.encryptedEd25519!], passphrase }))).toBe('fleet');
    expect(await whoami(optionsFor(host(), kh, { identityFiles: [keys.encryptedPem!], passphrase }))).toBe('fleet');
  });

  it('several identity files are tried in order: a missing and a foreign one first, then the right one', async () => {
    const foreign = writeKey('foreign', ssh2.utils.generateKeyPairSync('ed25519').private);
    const options = optionsFor(host(), kh, { identityFiles: [join(keyDir, 'nope'), foreign, host().keys.ed25519.path] });
    expect(await whoami(options)).toBe('fleet');
  });

  it('ssh-agent', async () => {
    const sock = join(keyDir, 'agent.sock');
    const out = execFileSync('ssh-agent', ['-a', sock, '-s']).toString();
    const pid = Number(/SSH_AGENT_PID=(\d+)/.exec(out)![1]);
    try {
      execFileSync('ssh-add', [host().keys.rsa.path], { env: { ...process.env, SSH_AUTH_SOCK: sock }, stdio: 'pipe' });
      expect(await whoami(optionsFor(host(), kh, { agent: sock }))).toBe('fleet');
    } finally {
      process.kill(pid);
    }
  });

  it('jump host: reaches a name only the bastion can resolve', async () => {
    const [bastion, target] = [bench.hosts[0]!, bench.hosts[1]!];
    // The bastion container's /etc/hosts is its own: only a connection made from there resolves this name.
    await bastion.exec(`echo '${target.address} hidden-target' >> /etc/hosts`);
    const direct = optionsFor(target, kh, { address: 'hidden-target', password: target.password });
    await expect(connect(direct)).rejects.toMatchObject({ code: 'CONNECT', details: { reason: 'dns' } });
    const viaJump = { ...direct, jump: optionsFor(bastion, kh, { identityFiles: [bastion.keys.ed25519.path] }) };
    const conn = await connect(viaJump);
    try {
      const r = await runRemoteCommand(conn, 'echo $SSH_CONNECTION');
      expect(r.stdout.toString()).toContain(` ${target.address} ${target.port}`);
    } finally {
      await conn.close();
    }
  });

  it('wrong password → AuthError naming the host and what was tried', async () => {
    const err = await connect(optionsFor(host(), kh, { password: 'not-it' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).host).toBe(host().name);
    expect((err as Error).message).toMatch(/h01: authentication as fleet failed.*tried password\]/);
  });

  it('wrong key → AuthError', async () => {
    const foreign = writeKey('foreign2', ssh2.utils.generateKeyPairSync('ed25519').private);
    const err = await connect(optionsFor(host(), kh, { identityFiles: [foreign] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toContain(`publickey (${foreign})`);
  });

  it('encrypted key without its passphrase → AuthError that says so', async () => {
    const err = await connect(optionsFor(host(), kh, { identityFiles: [keys.encryptedEd25519!] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as Error).message).toMatch(/is encrypted and no passphrase was given/);
  });
});

describe('ssh: servers that refuse plain password auth, and dead hosts', () => {
  let bench: Bench;
  let kh: string;
  beforeAll(async () => {
    bench = await startBench(2, { sshdOptions: ['PasswordAuthentication no'] });
    kh = tempKnownHosts();
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('falls back to keyboard-interactive with the password', async () => {
    const h = bench.hosts[0]!;
    expect(await whoami(optionsFor(h, kh, { password: h.password }))).toBe('fleet');
  });

  it('a paused host → ConnectError within the connect timeout + 1 s', async () => {
    const h = bench.hosts[0]!;
    await h.pause();
    try {
      const started = Date.now();
      const err = await connect(optionsFor(h, kh, { password: h.password, connectTimeoutMs: 2_000 })).catch((e: unknown) => e);
      const elapsed = Date.now() - started;
      expect(err).toBeInstanceOf(ConnectError);
      expect(err).toMatchObject({ host: 'h01', details: { reason: 'timeout' } });
      expect(elapsed).toBeGreaterThanOrEqual(1_900);
      expect(elapsed).toBeLessThan(3_000);
    } finally {
      await h.unpause();
    }
  });

  it('keepalive: a host that goes silent mid-command is detected without any command timeout', async () => {
    const h = bench.hosts[0]!;
    const conn = await connect(optionsFor(h, kh, { password: h.password, keepaliveIntervalMs: 500, keepaliveCountMax: 2 }));
    try {
      const started = Date.now();
      setTimeout(() => void h.pause(), 300);
      const r = await runRemoteCommand(conn, 'sleep 100');
      const elapsed = Date.now() - started;
      expect(r.error?.host).toBe('h01');
      expect(r.error?.message).toMatch(/stopped answering keepalives/);
      expect(r.error?.code).toBe('CONNECT');
      expect(elapsed).toBeLessThan(5_000);
    } finally {
      await h.unpause();
      await conn.close();
    }
  });

  it('a stopped host → ConnectError refused, with advice', async () => {
    const h = bench.hosts[1]!;
    await h.stop();
    const err = await connect(optionsFor(h, kh, { password: h.password })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).details.reason).toBe('refused');
    expect((err as Error).message).toMatch(/^h02: connection refused by 127\.0\.\d+\.\d+:\d+; is sshd running/);
  });
});
