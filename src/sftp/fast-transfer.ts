import type { SFTPWrapper, TransferOptions as Ssh2TransferOptions } from 'ssh2';
import { channelClosedError, channelOpen } from './remote.js';

/**
 * ssh2's fastPut/fastGet (the parallel read/write fast path: `concurrency` requests of `chunkSize` bytes in
 * flight) made cancellable and safe on a dead channel. fastXfer itself has no cancel hook, but it issues
 * every request through the SFTPWrapper it is called on, so it is called on a Proxy of the wrapper that
 * fails the next read/write once the transfer is to stop; fastXfer then closes both handles and reports that
 * error. Requests go to the real wrapper (its request-id counter lives there).
 */

export interface FastTransferOptions {
  concurrency: number;
  chunkSize: number;
  signal: AbortSignal;
  /** Bytes done so far and the file's size, as chunks are acknowledged. */
  onStep?: (bytesDone: number, bytesTotal: number) => void;
}

/** Error code of the read/write refused because the signal fired; the caller turns it into AbortError. */
export const TRANSFER_ABORTED = 'FLEET_TRANSFER_ABORTED';

function stopReason(sftp: SFTPWrapper, signal: AbortSignal): Error | undefined {
  if (signal.aborted) return Object.assign(new Error('transfer cancelled'), { code: TRANSFER_ABORTED });
  // ssh2 queues requests on a closed channel and never answers them: fail instead of hanging.
  if (!channelOpen(sftp)) return channelClosedError();
  return undefined;
}

type Method = (...args: unknown[]) => unknown;

/** The requests fastXfer makes on the SFTP side; each takes a callback as its last argument. */
const REQUESTS = new Set<PropertyKey>(['open', 'close', 'read', 'write', 'fstat', 'stat', 'fchmod', 'chmod']);

function guarded(sftp: SFTPWrapper, signal: AbortSignal): SFTPWrapper {
  return new Proxy(sftp, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop, target);
      if (typeof value !== 'function') return value;
      // fastPut/fastGet must run with `this` = the proxy, so their requests come back through here.
      if (prop === 'fastPut' || prop === 'fastGet') return value;
      if (!REQUESTS.has(prop)) return (value as Method).bind(target);
      const method = value as Method;
      return (...args: unknown[]) => {
        // Only data requests stop on abort: open/close must still run so fastXfer can release its handles.
        const stop = prop === 'read' || prop === 'write' ? stopReason(target, signal) : channelOpen(target) ? undefined : channelClosedError();
        const cb = args[args.length - 1];
        if (stop && typeof cb === 'function') {
          process.nextTick(cb as Method, stop);
          return undefined;
        }
        return method.apply(target, args);
      };
    },
  });
}

function run(
  start: (proxy: SFTPWrapper, opts: Ssh2TransferOptions, cb: (err?: Error | null) => void) => void,
  sftp: SFTPWrapper,
  options: FastTransferOptions,
): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const early = stopReason(sftp, options.signal);
    if (early) return reject(early);
    let settled = false;
    const opts: Ssh2TransferOptions = {
      concurrency: options.concurrency,
      chunkSize: options.chunkSize,
      // Late acknowledgements of requests in flight still call step after a failure: ignore those.
      step: (total, _nb, fsize) => {
        if (!settled) options.onStep?.(total, fsize);
      },
    };
    // Mode is deliberately not passed: fastXfer retries a failing chmod forever. The caller sets it after.
    start(guarded(sftp, options.signal), opts, (err) => {
      if (settled) return;
      settled = true;
      if (err) reject(err);
      else resolve();
    });
  });
}

export function fastPut(sftp: SFTPWrapper, localPath: string, remotePath: string, options: FastTransferOptions): Promise<void> {
  return run((proxy, opts, cb) => proxy.fastPut(localPath, remotePath, opts, cb), sftp, options);
}

export function fastGet(sftp: SFTPWrapper, remotePath: string, localPath: string, options: FastTransferOptions): Promise<void> {
  return run((proxy, opts, cb) => proxy.fastGet(remotePath, localPath, opts, cb), sftp, options);
}
