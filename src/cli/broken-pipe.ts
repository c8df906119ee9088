/**
 * `fleet … | head`: once the reader of stdout is gone, writes fail with EPIPE. Node ignores SIGPIPE, so
 * without a listener that EPIPE is an uncaught 'error' event and a stack trace. Here it is what it is for
 * every Unix filter: the end of the output, quietly. The process exits 141 (128 + SIGPIPE), the status the
 * shell shows for `seq 1 100000 | head -2`'s seq: under `set -o pipefail` the run is not taken for a
 * success (it was cut short and its hosts were cancelled), and it is not 130, which means a person
 * pressed Ctrl-C.
 */

export const EXIT_BROKEN_PIPE = 141;

let broken = false;
const listeners = new Set<() => void>();

function isEpipe(err: NodeJS.ErrnoException): boolean {
  return err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED';
}

/** Installed once by main, before anything is written. */
export function watchBrokenPipe(stdout: NodeJS.WriteStream = process.stdout, stderr: NodeJS.WriteStream = process.stderr): void {
  stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (!isEpipe(err)) throw err;
    if (broken) return;
    broken = true;
    for (const listener of [...listeners]) listener();
  });
  // A closed stderr (`fleet … 2>&- | …`, or `|&` into head) is no reason to crash either.
  stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (!isEpipe(err)) throw err;
  });
}

export function stdoutBroken(): boolean {
  return broken;
}

/** Calls `listener` once stdout's reader is gone (at once if it already is); returns an unsubscribe. */
export function onBrokenPipe(listener: () => void): () => void {
  if (broken) {
    listener();
    return () => undefined;
  }
  listeners.add(listener);
  return () => listeners.delete(listener);
}
