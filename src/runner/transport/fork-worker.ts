import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { encodeWorkerStart, isFromWorker, type ToWorker, type WorkerStart } from './protocol.js';
import type { OnWorkerExit, OnWorkerMessage, PoolWorker } from './pool-worker.js';
import { SlottedWorker } from './slotted-worker.js';
import { fromWire, type WireFromWorker } from './wire.js';

/** Only these reach a worker's environment: the inventory's secrets may come from the controller's env. */
const PASSED_ENV = ['PATH', 'HOME', 'USER', 'LANG', 'LC_ALL', 'TMPDIR', 'TZ', 'NODE_OPTIONS'];

/**
 * Set by scripts/bundle.mjs in the CLI and library bundles (dist/cli/*.cjs, dist/lib/fleet.js): the file of
 * the worker bundle, relative to the bundle. The bundler names its outputs, so it says which one to fork; the
 * transport knows no bundle's name.
 */
declare const __FLEET_WORKER_BUNDLE__: string | undefined;

/** Built: the worker bundle; TypeScript sources (tests, tsx): main.ts through tsx. */
function workerEntry(): { file: string; execArgv: string[] } {
  const url = import.meta.url;
  const fromSource = url.endsWith('.ts');
  const bundled = typeof __FLEET_WORKER_BUNDLE__ === 'string' ? __FLEET_WORKER_BUNDLE__ : undefined;
  const name = bundled ?? '../worker/main.ts';
  return { file: fileURLToPath(new URL(name, url)), execArgv: fromSource ? ['--import', 'tsx'] : [] };
}

/** The controller's view of one forked worker process. */
export class WorkerHandle extends SlottedWorker implements PoolWorker {
  readonly child: ChildProcess;
  exited = false;

  constructor(start: WorkerStart, onMessage: OnWorkerMessage, onExit: OnWorkerExit) {
    super(start.slots);
    const { file, execArgv } = workerEntry();
    const env: NodeJS.ProcessEnv = {};
    for (const name of PASSED_ENV) if (process.env[name] !== undefined) env[name] = process.env[name];
    this.child = fork(file, encodeWorkerStart(start), {
      execArgv,
      env,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    });
    this.child.on('message', (m: unknown) => {
      if (!isFromWorker(m)) return;
      const message = fromWire(m as WireFromWorker);
      this.received(message);
      onMessage(this, message);
    });
    this.child.on('exit', (code, signal) => {
      this.exited = true;
      onExit(this, { code, signal, lost: this.drain() });
    });
    // A send to a worker that just died fails; its exit handler deals with the consequences.
    this.child.on('error', () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  protected post(message: ToWorker): void {
    if (!this.exited && this.child.connected) this.child.send(message);
  }

  /** Asks the worker to leave; a worker that does not within `graceMs` is killed. */
  async stop(graceMs = 2_000): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
    this.send({ type: 'shutdown' });
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(timer);
  }
}
