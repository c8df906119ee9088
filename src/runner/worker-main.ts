import pLimit from 'p-limit';
import { Credit } from './credit.js';
import { runHostJob } from './host-job.js';
import { isToWorker, type FromWorker, type ToWorker } from './protocol.js';

/**
 * Worker process entry: runs the host tasks the controller sends, at most `slots` (argv[2]) at once, and
 * streams every event back. The controller alone writes to the terminal.
 */
const slots = Math.max(1, Number(process.argv[2] ?? '1'));
const creditWindow = Number(process.argv[3] ?? String(1 << 20));
const limit = pLimit(slots);
const credit = new Credit(creditWindow);
const cancels = new Map<number, AbortController>();

function send(message: FromWorker): void {
  if (process.connected) process.send?.(message);
}

function runTask(id: number, message: Extract<ToWorker, { type: 'task' }>): void {
  const controller = new AbortController();
  cancels.set(id, controller);
  void limit(async () => {
    send({ type: 'start', id });
    const end = await runHostJob(
      message.task,
      {
        output: (stream, data) => {
          send({ type: 'output', id, stream, data });
          return credit.take(Buffer.byteLength(data));
        },
        warning: (text) => send({ type: 'warning', message: text }),
      },
      controller.signal,
      () => send({ type: 'step', id }),
    );
    cancels.delete(id);
    send({ type: 'end', id, end });
    if (!process.connected && cancels.size === 0) process.exit(0);
  });
}

process.on('message', (message: unknown) => {
  if (!isToWorker(message)) return;
  switch (message.type) {
    case 'task':
      return runTask(message.id, message);
    case 'cancel':
      return cancels.get(message.id)?.abort();
    case 'credit':
      return credit.give(message.bytes);
    case 'shutdown':
      process.disconnect();
      return;
  }
});

// Workers die with the controller. Before going, they end their remote commands (a cancel sends TERM over
// the still-open SSH connections), so a controller killed with -9 leaves nothing running on the hosts.
process.on('disconnect', () => {
  if (cancels.size === 0) process.exit(0);
  for (const c of cancels.values()) c.abort();
  setTimeout(() => process.exit(0), 3_000).unref();
});
send({ type: 'ready', pid: process.pid });
