import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { connect } from 'node:net';
import { dirname } from 'node:path';
import { brokerEntry, fleetVersion } from './entry.js';
import { BrokerLink } from './link.js';
import { brokerDir, checkBrokerDir, checkBrokerSocket, ensureBrokerDir, socketPath } from './socket-path.js';

/** What reaches the broker's environment: nothing of the inventory's secrets that the caller's env may hold. */
const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'NODE_OPTIONS', 'XDG_RUNTIME_DIR'];
/** A broker from sources (tsx) takes ~1 s to listen on a loaded machine; a bundled one a fraction. */
const START_MS = 15_000;

/** Connects when a broker listens there; refuses (throws) a directory or socket others could have planted. */
async function attach(dir: string): Promise<BrokerLink | undefined> {
  const path = socketPath(dir);
  if (!existsSync(dir)) return undefined;
  checkBrokerDir(dir);
  if (!existsSync(path)) return undefined;
  checkBrokerSocket(path);
  return new Promise((resolve) => {
    const socket = connect(path);
    socket.once('connect', () => resolve(new BrokerLink(socket)));
    socket.once('error', () => resolve(undefined));
  });
}

/** The link when its broker is this fleet's; an older one is asked to stop (its sessions end with it). */
async function greeted(link: BrokerLink, version: string): Promise<BrokerLink | undefined> {
  const hello = await link.request({ type: 'hello', version });
  if (hello?.type !== 'hello') return link.close(), undefined;
  link.pid = hello.pid;
  if (hello.version === version) return link;
  // Gone before a new one starts, or the new one would find it still listening and leave at once.
  await link.request({ type: 'stop' });
  await link.whenClosed;
  return undefined;
}

function startBroker(idleMs: number): void {
  const { file, execArgv } = brokerEntry();
  const env: NodeJS.ProcessEnv = {};
  for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
  // Its own session, no stdio: `fleet … | cat` ends with the run, whatever the broker does after.
  const child = spawn(process.execPath, [...execArgv, file, `--idle-ms=${idleMs}`], { detached: true, stdio: 'ignore', env, cwd: dirname(file) });
  child.on('error', () => undefined);
  child.unref();
}

/** The running broker of this fleet's version, if one listens; an old one is stopped. None is started. */
export async function liveBroker(version: string = fleetVersion()): Promise<BrokerLink | undefined> {
  const found = await attach(brokerDir());
  return (found && (await greeted(found, version))) || undefined;
}

/** The running broker, of this fleet's version: started (once) when there is none, or an old one was stopped. */
export async function openBroker(idleMs: number): Promise<BrokerLink> {
  const version = fleetVersion();
  const dir = brokerDir();
  const live = await liveBroker(version);
  if (live) return live;
  ensureBrokerDir(dir);
  startBroker(idleMs);
  for (const until = Date.now() + START_MS; Date.now() < until; ) {
    // Unref'd: a CLI that stops before its run (a bad inventory) exits at once, and the broker starts anyway.
    // The run waiting for this keeps the process alive itself (BrokerPool).
    await new Promise((r) => setTimeout(r, 25).unref());
    const link = await attach(dir);
    const ready = link && (await greeted(link, version));
    if (ready) return ready;
  }
  throw new Error(`the fleet broker did not start within ${START_MS / 1000} s (socket ${socketPath(dir)})`);
}

/** The running broker whatever its version (to list or stop it), or undefined: none is started. */
export async function findBroker(): Promise<BrokerLink | undefined> {
  const link = await attach(brokerDir());
  if (!link) return undefined;
  const hello = await link.request({ type: 'hello', version: fleetVersion() });
  if (hello?.type === 'hello') link.pid = hello.pid;
  return hello ? link : undefined;
}
