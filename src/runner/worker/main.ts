import { decodeWorkerStart, isToWorker, type FromWorker } from '../transport/protocol.js';
import { TaskRunner } from './task-runner.js';
import { toWire } from '../transport/wire.js';

/** Forked worker entry: started with an encoded WorkerStart in argv (no secrets). The controller alone prints. */
const runner = new TaskRunner(decodeWorkerStart(process.argv.slice(2)), (message: FromWorker) => {
  if (process.connected) process.send?.(toWire(message));
  if (message.type === 'end' && !process.connected && runner.busy === 0) process.exit(0);
});

process.on('message', (message: unknown) => {
  if (!isToWorker(message)) return;
  // Deferred: messages that arrived before this listener are replayed by Node in one loop that touches the
  // IPC channel after it, and a disconnect inside the loop made that throw (a stack trace at close).
  // A shutdown logs out of the held sessions first, so sshd sees a clean disconnect, not a dropped link.
  if (message.type === 'shutdown') void runner.shutdown().finally(() => setImmediate(() => process.disconnect()));
  else runner.handle(message);
});

// Workers die with the controller. Before going, they end their remote commands (a cancel sends TERM over
// the still-open SSH connections), so a controller killed with -9 leaves nothing running on the hosts.
process.on('disconnect', () => {
  if (runner.busy === 0) process.exit(0);
  runner.cancelAll();
  setTimeout(() => process.exit(0), 3_000).unref();
});
// Ctrl-C on a terminal (or a TERM/HUP to the whole group, as systemd and `timeout` send) reaches every
// process; the controller alone decides what a cancel means, and a worker lives exactly as long as its IPC.
for (const name of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(name, () => undefined);
