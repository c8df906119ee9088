import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Bench, BenchHost } from '../bench/hosts.js';
import { CLI, cleanEnv } from '../cli/support.js';

/** A free loopback port: bound once by us, then given to nats-server. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

export interface Nats {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/** A real `nats-server -js` on loopback, its store in a temporary directory; stopped by pid. */
export async function startNats(): Promise<Nats> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'fleet-nats-'));
  const child = spawn('nats-server', ['-js', '-a', '127.0.0.1', '-p', String(port), '-sd', dir], { stdio: ['ignore', 'ignore', 'pipe'] });
  await waitForLine(child, /Server is ready/, 10_000, 'nats-server');
  return {
    url: `nats://127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      await stopChild(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

function waitForLine(child: ChildProcess, pattern: RegExp, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${seen}`)), ms);
    child.stderr!.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}): ${seen}`)));
  });
}

async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill(signal);
  await exited;
}

export interface AgentProcess {
  name: string;
  child: ChildProcess;
  /** What it wrote on stderr so far. */
  log(): string;
  stop(): Promise<void>;
}

/** `fleet agent` of the built CLI (or another build: the bench's BENCH_CLI), ready once it says it takes batches. */
export async function startAgent(url: string, name: string, args: string[] = [], cli = CLI): Promise<AgentProcess> {
  const child = spawn(process.execPath, [cli, 'agent', '--queue', url, '--name', name, ...args], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  await waitForLine(child, /taking batches/, 10_000, `agent ${name}`);
  return { name, child, log: () => log, stop: () => stopChild(child) };
}

/**
 * An inventory with no secret in it: key login (a path each agent reads on its own machine), and the given
 * hosts' zones as the variable `zone`.
 */
export function writeQueueInventory(bench: Bench, zones: Record<string, string> = {}, password?: boolean): { file: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-qinv-'));
  const host = (h: BenchHost) => {
    const parts = [`address: ${h.address}`, `port: ${h.port}`];
    if (zones[h.name]) parts.push(`variables: { zone: ${zones[h.name]} }`);
    if (password) parts.push(`password: '${h.password}'`);
    return `  ${h.name}: { ${parts.join(', ')} }`;
  };
  const lines = [
    'defaults:',
    '  user: fleet',
    '  agent: false',
    `  identityFile: ${bench.keys.ed25519.path}`,
    `  knownHosts: ${join(dir, 'known_hosts')}`,
    '  hostKeyPolicy: accept-new',
    '  connectTimeout: 5s',
    'hosts:',
    ...bench.hosts.map(host),
  ];
  const file = join(dir, 'inventory.yaml');
  writeFileSync(file, `${lines.join('\n')}\n`);
  return { file, dir };
}

/** How many times each host appended to its marker file `/tmp/<tag>.<host>`. */
export async function markers(bench: Bench, tag: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const h of bench.hosts) {
    const r = await h.exec(`cat /tmp/${tag}.${h.name} 2>/dev/null | wc -l`);
    out[h.name] = Number(r.stdout.trim());
  }
  return out;
}

export interface CutProxy {
  url: string;
  /** Cuts every connection through it and refuses new ones for `ms`: a client losing its link to the server. */
  cut(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** A TCP relay to the NATS server on loopback whose clients can be cut off while others stay connected. */
export async function startCutProxy(target: string): Promise<CutProxy> {
  const { hostname, port } = new URL(target);
  const sockets = new Set<Socket>();
  let refuseUntil = 0;
  const server = createServer((client) => {
    if (Date.now() < refuseUntil) return void client.destroy();
    const upstream = connect(Number(port), hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => undefined);
      s.on('close', () => {
        sockets.delete(s);
        client.destroy();
        upstream.destroy();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  const listenPort = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
  return {
    url: `nats://127.0.0.1:${listenPort}`,
    cut: async (ms) => {
      refuseUntil = Date.now() + ms;
      for (const s of sockets) s.destroy();
      await new Promise((r) => setTimeout(r, ms));
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
