import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
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

/** `fleet agent` of the built CLI, ready once it says it takes batches. */
export async function startAgent(url: string, name: string, args: string[] = []): Promise<AgentProcess> {
  const child = spawn(process.execPath, [CLI, 'agent', '--queue', url, '--name', name, ...args], { env: cleanEnv(), stdio: ['ignore', 'ignore', 'pipe'] });
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
