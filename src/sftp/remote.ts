import { posix } from 'node:path';
import type { FileEntryWithStats, InputAttributes, OpenMode, SFTPWrapper, Stats } from 'ssh2';
import { CHANNEL_CLOSED, atPath } from './translate-error.js';
import { SftpStatus } from './status.js';

/**
 * Promise forms of the SFTPWrapper requests this layer uses. Every call first checks that the channel is
 * still open: ssh2 queues a request on a closed channel and never answers it, so without the check a
 * transfer over a dead connection would hang instead of failing. Errors stay raw (translated by the caller,
 * who knows the host, path and action).
 */

interface ChannelState {
  outgoing?: { state?: string };
  incoming?: { state?: string };
}

/**
 * True while requests on this SFTP channel can still be answered. Both directions count: when the socket
 * dies ssh2 marks only the incoming side closed and leaves `outgoing.state` at 'open'.
 */
export function channelOpen(sftp: SFTPWrapper): boolean {
  const { outgoing, incoming } = sftp as unknown as ChannelState;
  return outgoing?.state === 'open' && incoming?.state !== 'closed';
}

export function channelClosedError(): Error {
  return Object.assign(new Error('the SFTP channel is closed'), { code: CHANNEL_CLOSED });
}

function call<T>(sftp: SFTPWrapper, start: (cb: (err: Error | undefined | null, value?: T) => void) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (!channelOpen(sftp)) return reject(channelClosedError());
    try {
      start((err, value) => (err ? reject(err) : resolve(value as T)));
    } catch (err) {
      // ssh2 throws synchronously for requests it cannot send (e.g. an extension the server lacks).
      reject(err);
    }
  });
}

function isStatus(err: unknown, ...codes: number[]): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' && codes.includes(code);
}

/** Follows symlinks; undefined when nothing is there. */
export async function statOrUndefined(sftp: SFTPWrapper, path: string): Promise<Stats | undefined> {
  try {
    return await call<Stats>(sftp, (cb) => sftp.stat(path, cb));
  } catch (err) {
    if (isStatus(err, SftpStatus.NO_SUCH_FILE)) return undefined;
    throw err;
  }
}

export function readdir(sftp: SFTPWrapper, path: string): Promise<FileEntryWithStats[]> {
  return call<FileEntryWithStats[]>(sftp, (cb) => sftp.readdir(path, cb));
}

export function mkdir(sftp: SFTPWrapper, path: string, attrs: InputAttributes): Promise<void> {
  return call<void>(sftp, (cb) => sftp.mkdir(path, attrs, cb));
}

export function setstat(sftp: SFTPWrapper, path: string, attrs: InputAttributes): Promise<void> {
  return call<void>(sftp, (cb) => sftp.setstat(path, attrs, cb));
}

export function unlink(sftp: SFTPWrapper, path: string): Promise<void> {
  return call<void>(sftp, (cb) => sftp.unlink(path, cb));
}

export function open(sftp: SFTPWrapper, path: string, flags: OpenMode): Promise<Buffer> {
  return call<Buffer>(sftp, (cb) => sftp.open(path, flags, cb));
}

export function close(sftp: SFTPWrapper, handle: Buffer): Promise<void> {
  return call<void>(sftp, (cb) => sftp.close(handle, cb));
}

/** Creates a file that must not exist yet (O_EXCL), with the given attributes, and gives its open handle. */
export function openExclusive(sftp: SFTPWrapper, path: string, attrs: InputAttributes): Promise<Buffer> {
  return call<Buffer>(sftp, (cb) => sftp.open(path, 'wx', attrs, cb));
}

export interface SetstatAndClose {
  /** The FSETSTAT's error, if it failed. */
  setstat?: unknown;
  /** The CLOSE's error, if it failed. */
  close?: unknown;
}

/**
 * Sets `attrs` on an open file and closes it, both requests sent at once and then both answers awaited: one
 * round trip instead of two. The server answers the FSETSTAT before it closes the handle (OpenSSH's
 * sftp-server handles requests in order; one that did not would fail the FSETSTAT on a closed handle, which
 * is reported, never ignored). The close is sent even when the FSETSTAT fails, so no handle leaks.
 */
export async function setstatAndClose(sftp: SFTPWrapper, handle: Buffer, attrs: InputAttributes): Promise<SetstatAndClose> {
  const [set, closed] = await Promise.allSettled([
    call<void>(sftp, (cb) => sftp.fsetstat(handle, attrs, cb)),
    close(sftp, handle),
  ]);
  return {
    ...(set.status === 'rejected' ? { setstat: set.reason as unknown } : {}),
    ...(closed.status === 'rejected' ? { close: closed.reason as unknown } : {}),
  };
}

/**
 * Renames over an existing target. Plain SFTP v3 RENAME refuses an existing target, so the OpenSSH
 * posix-rename extension (rename(2): atomic replace) is used whenever the server offers it.
 */
export async function renameOver(sftp: SFTPWrapper, from: string, to: string): Promise<void> {
  if (supportsPosixRename(sftp)) {
    await call<void>(sftp, (cb) => sftp.ext_openssh_rename(from, to, cb));
    return;
  }
  try {
    await call<void>(sftp, (cb) => sftp.rename(from, to, cb));
  } catch (err) {
    if (!isStatus(err, SftpStatus.FAILURE)) throw err;
    // Servers without the extension: replace non-atomically (the only way SFTP v3 allows).
    await unlink(sftp, to);
    await call<void>(sftp, (cb) => sftp.rename(from, to, cb));
  }
}

function supportsPosixRename(sftp: SFTPWrapper): boolean {
  const ext = (sftp as unknown as { _extensions?: Record<string, string> })._extensions;
  return ext?.['posix-rename@openssh.com'] === '1';
}

/**
 * mkdir -p: creates `dir` and any missing parents, each with `mode` (less the server's umask). Existing
 * directories are left as they are (their modes are never changed). `made` caches directories known to
 * exist, so a tree of many files stats each directory once.
 */
export async function mkdirp(sftp: SFTPWrapper, dir: string, mode: number, made: Set<string>): Promise<void> {
  if (dir === '' || dir === '.' || dir === '/' || made.has(dir)) return;
  const st = await statOrUndefined(sftp, dir).catch((err: unknown) => Promise.reject(atPath(err, dir)));
  if (st) {
    if (!st.isDirectory()) {
      const err = new Error(`${dir} exists and is not a directory`);
      throw atPath(Object.assign(err, { code: SftpStatus.FAILURE }), dir);
    }
    made.add(dir);
    return;
  }
  // Missing parents get 0755 like `mkdir -p` under the usual umask; only the leaf gets the asked-for mode.
  await mkdirp(sftp, posix.dirname(dir), 0o755, made);
  try {
    await mkdir(sftp, dir, { mode });
  } catch (err) {
    // Another transfer may have created it meanwhile; only a directory there now counts as success.
    const now = await statOrUndefined(sftp, dir).catch(() => undefined);
    if (!now?.isDirectory()) throw atPath(err, dir);
  }
  made.add(dir);
}
