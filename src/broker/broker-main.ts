import { chmodSync, rmSync, statSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { fleetVersion } from './entry.js';
import { Broker } from './server.js';
import { checkBrokerSocket, ensureBrokerDir, socketPath } from './socket-path.js';

/**
 * The broker's entry, started detached by client.ts with its idle time in argv (nothing secret: tasks and
 * their passwords come over the socket only). Its stdio is closed, so it never holds a caller's pipe open.
 */
const idleArg = process.argv.find((a) => a.startsWith('--idle-ms='));
const idleMs = Math.max(1_000, Number(idleArg?.slice('--idle-ms='.length)) || 600_000);

// Whatever it creates — the socket above all — is this user's only, before anything exists.
process.umask(0o077);
const path = socketPath(ensureBrokerDir());

/** Another broker already answers there (two clients started one each): that one serves. */
function answers(at: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(at);
    probe.once('connect', () => (probe.destroy(), resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

/** Listens unless another broker already does; the CLI bundle is CommonJS, hence no top-level await. */
async function main(): Promise<void> {
  if (await answers(path)) process.exit(0);
  rmSync(path, { force: true });
  let ino: number | undefined;
  const server = createServer((socket) => broker.serve(socket));
  const broker = new Broker(fleetVersion(), idleMs, () => {
    server.close();
    // Only our own socket: a broker started after this one stopped listening may own the path by now.
    if (ino !== undefined && statSync(path, { throwIfNoEntry: false })?.ino === ino) rmSync(path, { force: true });
    // Clients still connected are let go with the process.
    setTimeout(() => process.exit(0), 1_000).unref();
  });
  // Lost the race to listen: the other broker serves.
  server.on('error', () => process.exit(0));
  server.listen(path, () => {
    chmodSync(path, 0o600);
    checkBrokerSocket(path);
    ino = statSync(path).ino;
  });
  }

void main();

// In its own session no terminal's Ctrl-C reaches it; a TERM (shutdown, kill) logs out cleanly first.
process.on('SIGHUP', () => undefined);
process.on('SIGINT', () => undefined);
