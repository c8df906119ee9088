import { randomBytes } from 'node:crypto';
import { rm } from 'node:fs/promises';
import pLimit from 'p-limit';
import { GenericContainer, Wait, getContainerRuntimeClient, type StartedTestContainer } from 'testcontainers';
import { configureTestcontainers } from './engine.js';
import { fingerprintOf, parseHostKeys, type HostKeyInfo } from './host-keys.js';
import { ensureSshdImage } from './image.js';
import { generateClientKeys, type ClientKeys } from './keys.js';
import { allocateEndpoints, type Endpoint } from './loopback.js';
import { presentedHostKey } from './presented-key.js';

export const BENCH_USER = 'fleet';

export interface BenchOptions {
  /**
   * Hosts served by one container (one sshd per 16 addresses). Default 1. Fault controls (stop, pause, rekey)
   * act on the whole container, so fault tests keep the default; big benchmarks share containers.
   */
  hostsPerContainer?: number;
  /** sshd_config lines placed before the defaults (in sshd_config the first value of a keyword wins). */
  sshdOptions?: string[];
  /** How many containers start at once. */
  startConcurrency?: number;
}

export interface ExecOnHost {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface BenchHost {
  /** Inventory name: h01, h02, … */
  name: string;
  address: string;
  port: number;
  /** The user that logs in by password and by key and may sudo with its password. */
  user: string;
  password: string;
  keys: ClientKeys;
  /** Every host key the server holds, one per type. */
  hostKeys: HostKeyInfo[];
  /** Fingerprint (SHA256:…) of the server's ssh-ed25519 host key. */
  hostKeyFingerprint: string;
  containerId: string;
  /** Runs a command on the host as root (or as `user`) from the test, outside SSH. */
  exec(command: string, options?: { user?: string }): Promise<ExecOnHost>;
  /** Host down: the container is killed, its address refuses connections. */
  stop(): Promise<void>;
  /** Host hung: every process is frozen, TCP still accepts but nothing answers. */
  pause(): Promise<void>;
  unpause(): Promise<void>;
  /** New host keys, as after a reinstall; returns them once sshd serves them. */
  rotateHostKey(): Promise<HostKeyInfo[]>;
  /** sshd is killed with SIGKILL; the host goes down with it. */
  killSshd(): Promise<void>;
  /** Everything sshd logged so far (it logs at INFO to stderr: logins, subsystem requests). */
  logs(): Promise<string>;
}

export interface Bench {
  hosts: BenchHost[];
  keys: ClientKeys;
  /** known_hosts lines (`[addr]:port type key`) for every host key of every host. */
  knownHostsLines(): string[];
  /** Stops every container and removes the generated keys. Safe to call twice. */
  stop(): Promise<void>;
}

interface ContainerHandle {
  container: StartedTestContainer;
  state: 'running' | 'paused' | 'stopped';
  hostKeys: HostKeyInfo[];
}

const HOST_KEY_FILES = ['ed25519', 'ecdsa', 'rsa'].map((t) => `/etc/ssh/ssh_host_${t}_key.pub`).join(' ');

async function readHostKeys(container: StartedTestContainer): Promise<HostKeyInfo[]> {
  const result = await container.exec(['sh', '-c', `cat ${HOST_KEY_FILES}`]);
  if (result.exitCode !== 0) throw new Error(`reading host keys failed: ${result.output}`);
  return parseHostKeys(result.stdout);
}

/** Docker multiplexes a non-TTY container's streams in frames: 1 byte stream, 3 zero, 4 bytes length, payload. */
function demuxDockerLog(raw: Buffer): string {
  const parts: Buffer[] = [];
  for (let at = 0; at + 8 <= raw.length; ) {
    const size = raw.readUInt32BE(at + 4);
    parts.push(raw.subarray(at + 8, at + 8 + size));
    at += 8 + size;
  }
  return Buffer.concat(parts).toString();
}

function ed25519Fingerprint(keys: HostKeyInfo[]): string {
  const key = keys.find((k) => k.type === 'ssh-ed25519');
  if (!key) throw new Error('test host has no ed25519 host key');
  return key.fingerprint;
}

async function startContainer(
  image: string,
  endpoints: Endpoint[],
  password: string,
  keys: ClientKeys,
  options: BenchOptions,
  runId: string,
): Promise<ContainerHandle> {
  const container = await new GenericContainer(image)
    .withNetworkMode('host')
    .withEnvironment({
      FLEET_LISTEN: endpoints.map((e) => `${e.address}:${e.port}`).join(' '),
      FLEET_PASSWORD: password,
      FLEET_AUTHORIZED_KEYS: [keys.ed25519.publicKey, keys.rsa.publicKey].join('\n'),
      FLEET_SSHD_OPTIONS: (options.sshdOptions ?? []).join('\n'),
    })
    .withLabels({ 'fleet.bench': runId, 'fleet.bench.session': process.env.FLEET_BENCH_SESSION ?? 'none' })
    // In host network mode nothing is mapped; sshd says when each address is bound.
    .withWaitStrategy(Wait.forLogMessage(/Server listening on/, endpoints.length))
    .withStartupTimeout(60_000)
    .start();
  return { container, state: 'running', hostKeys: await readHostKeys(container) };
}

/** After SIGHUP sshd re-executes under the same pid; the new key being served is the only sure sign. */
async function waitForHostKey(endpoint: Endpoint, keys: HostKeyInfo[], deadlineMs: number): Promise<void> {
  const started = Date.now();
  for (;;) {
    const blob = await presentedHostKey(endpoint.address, endpoint.port, 2_000).catch(() => undefined);
    if (blob && keys.some((k) => k.fingerprint === fingerprintOf(blob))) return;
    if (Date.now() - started > deadlineMs) throw new Error(`${endpoint.address}:${endpoint.port} kept its old host key`);
    await new Promise((res) => setTimeout(res, 50));
  }
}

function makeHost(
  index: number,
  endpoint: Endpoint,
  handle: ContainerHandle,
  password: string,
  keys: ClientKeys,
): BenchHost {
  const { container } = handle;
  const docker = async () => (await getContainerRuntimeClient()).container.getById(container.getId());
  const host: BenchHost = {
    name: `h${String(index + 1).padStart(2, '0')}`,
    address: endpoint.address,
    port: endpoint.port,
    user: BENCH_USER,
    password,
    keys,
    hostKeys: handle.hostKeys,
    hostKeyFingerprint: ed25519Fingerprint(handle.hostKeys),
    containerId: container.getId(),
    async exec(command, options) {
      const r = await container.exec(['sh', '-c', command], options?.user ? { user: options.user } : {});
      return { exitCode: r.exitCode, stdout: r.stdout, stderr: r.stderr };
    },
    async stop() {
      if (handle.state === 'stopped') return;
      if (handle.state === 'paused') await (await docker()).unpause();
      handle.state = 'stopped';
      await container.stop({ timeout: 0 });
    },
    async pause() {
      await (await docker()).pause();
      handle.state = 'paused';
    },
    async unpause() {
      await (await docker()).unpause();
      handle.state = 'running';
    },
    async rotateHostKey() {
      const r = await container.exec(['/usr/local/bin/fleet-rekey']);
      if (r.exitCode !== 0) throw new Error(`rekey failed: ${r.output}`);
      handle.hostKeys = await readHostKeys(container);
      await waitForHostKey(endpoint, handle.hostKeys, 10_000);
      host.hostKeys = handle.hostKeys;
      host.hostKeyFingerprint = ed25519Fingerprint(handle.hostKeys);
      return handle.hostKeys;
    },
    async logs() {
      return demuxDockerLog((await (await docker()).logs({ stdout: true, stderr: true, follow: false })) as Buffer);
    },
    async killSshd() {
      await container.exec(['sh', '-c', 'kill -KILL $(cat /run/sshd_*.pid)']);
      handle.state = 'stopped';
      // The container ends with its sshd; remove what is left of it.
      await container.stop({ timeout: 0 }).catch(() => undefined);
    },
  };
  return host;
}

/**
 * Starts `count` real OpenSSH hosts, each on its own loopback address, with a user that logs in by password
 * and by key (fresh ed25519 and RSA keys each run). Always call `stop()` in teardown: Ryuk is disabled.
 */
export async function startBench(count: number, options: BenchOptions = {}): Promise<Bench> {
  configureTestcontainers();
  const perContainer = Math.max(1, options.hostsPerContainer ?? 1);
  const [image, keys, endpoints] = await Promise.all([
    ensureSshdImage(),
    generateClientKeys(),
    allocateEndpoints(count),
  ]);
  const runId = randomBytes(4).toString('hex');
  const limit = pLimit(options.startConcurrency ?? 8);
  const groups: Endpoint[][] = [];
  for (let i = 0; i < endpoints.length; i += perContainer) groups.push(endpoints.slice(i, i + perContainer));

  const handles: ContainerHandle[] = [];
  const hosts: BenchHost[] = [];
  const stop = async () => {
    await Promise.all(
      handles.map(async (h) => {
        if (h.state === 'stopped') return;
        if (h.state === 'paused') await (await getContainerRuntimeClient()).container.getById(h.container.getId()).unpause();
        h.state = 'stopped';
        await h.container.stop({ timeout: 0 }).catch(() => undefined);
      }),
    );
    await rm(keys.dir, { recursive: true, force: true });
  };

  try {
    await Promise.all(
      groups.map((group, g) =>
        limit(async () => {
          const password = randomBytes(12).toString('base64url');
          const handle = await startContainer(image, group, password, keys, options, runId);
          handles.push(handle);
          group.forEach((endpoint, j) => {
            hosts[g * perContainer + j] = makeHost(g * perContainer + j, endpoint, handle, password, keys);
          });
        }),
      ),
    );
  } catch (err) {
    await stop();
    throw err;
  }

  return {
    hosts,
    keys,
    knownHostsLines: () =>
      hosts.flatMap((h) => h.hostKeys.map((k) => `[${h.address}]:${h.port} ${k.type} ${k.publicKey}`)),
    stop,
  };
}
