import { AbortError, TransferError, isFleetError, type FleetError } from '../core/errors.js';
import { SftpStatus, sftpStatusName } from './status.js';

/**
 * The edge where ssh2's SFTP errors (numeric `code` = SFTP status) and Node's fs errors (string errno codes)
 * become FleetErrors (DESIGN.md §6). Everything below this file throws raw errors; everything above sees
 * only TransferError / AbortError whose message says host, path, what failed and what to do.
 */

export interface ErrorContext {
  host: string;
  /** What failed, completed by the path: "cannot <action> <path>", e.g. "upload to", "create directory". */
  action: string;
  /** The same when the local side failed, if it reads differently ("read local file" vs "upload to"). */
  localAction?: string;
  /** The remote path the step acted on (named when the remote side failed). */
  remotePath?: string;
  /** The local path the step acted on (named when the local side failed). */
  localPath?: string;
  /** Said after the advice when the connection was lost mid-step, e.g. where a temporary file may remain. */
  lostNote?: string;
}

/** Marker code for requests refused because the SFTP channel (or the whole connection) is gone. */
export const CHANNEL_CLOSED = 'SFTP_CHANNEL_CLOSED';

/** ssh2 fails every outstanding request with this message when the channel closes under it. */
const NO_RESPONSE = 'No response from server';

interface RawError {
  code?: unknown;
  message?: unknown;
  fleetPath?: unknown;
}

function raw(err: unknown): RawError {
  return typeof err === 'object' && err !== null ? (err as RawError) : {};
}

export function isConnectionLost(err: unknown): boolean {
  const { code, message } = raw(err);
  return (
    code === CHANNEL_CLOSED ||
    code === SftpStatus.NO_CONNECTION ||
    code === SftpStatus.CONNECTION_LOST ||
    message === NO_RESPONSE ||
    code === 'ECONNRESET'
  );
}

const LOST = {
  what: 'the connection to the host was lost',
  hint: 'the previous target is untouched; rerun the transfer once the host is reachable',
};

function remoteReason(code: unknown, serverMessage: string): { what: string; hint: string } {
  const name = sftpStatusName(code);
  const said = serverMessage && serverMessage !== 'undefined' ? `: ${serverMessage}` : '';
  switch (code) {
    case SftpStatus.NO_SUCH_FILE:
      return {
        what: `no such file or directory on the host (SFTP ${name})`,
        hint: 'check the path; the parent directory of a target must exist (end the target with / to create it)',
      };
    case SftpStatus.PERMISSION_DENIED:
      return {
        what: `permission denied on the host (SFTP ${name})`,
        hint: 'the login user needs access there: fix the permissions or owner, or choose another path',
      };
    case SftpStatus.FAILURE:
      return {
        what: `the SFTP server reported a failure (SFTP ${name}${said})`,
        hint: 'common causes are a full disk, a directory in the way or a read-only file system; check df and ls on the host',
      };
    case SftpStatus.OP_UNSUPPORTED:
      return {
        what: `the SFTP server does not support this operation (SFTP ${name})`,
        hint: 'use an OpenSSH sftp-server or a plainer operation (e.g. atomic: false)',
      };
    case SftpStatus.EOF:
      return { what: `unexpected end of file (SFTP ${name})`, hint: 'the file changed during the transfer; retry' };
    case SftpStatus.BAD_MESSAGE:
      return { what: `SFTP protocol error (SFTP ${name}${said})`, hint: 'retry; if it persists, check the server' };
    default:
      return { what: `SFTP error${said || `: ${String(code)}`}`, hint: 'retry; if it persists, check the server logs' };
  }
}

const LOCAL: Record<string, { what: string; hint: string }> = {
  ENOENT: { what: 'no such local file or directory', hint: 'check the local path' },
  EACCES: { what: 'permission denied on the local side', hint: 'check the local permissions' },
  EPERM: { what: 'operation not permitted on the local side', hint: 'check the local permissions' },
  ENOSPC: { what: 'the local disk is full', hint: 'free some space and retry' },
  EDQUOT: { what: 'the local disk quota is exceeded', hint: 'free some space and retry' },
  EISDIR: { what: 'it is a local directory', hint: 'use recursive to copy directories, or name a file' },
  ENOTDIR: { what: 'a local path component is not a directory', hint: 'check the local path' },
  EROFS: { what: 'the local file system is read-only', hint: 'choose a writable local path' },
  EMFILE: { what: 'too many open local files', hint: 'lower fileConcurrency or raise the open-file limit' },
};

function localReason(code: unknown, message: string): { what: string; hint: string } {
  const known = typeof code === 'string' ? LOCAL[code] : undefined;
  return known ?? { what: message || 'local I/O error', hint: 'check the local path and retry' };
}

/** Node's fs errors carry errno names (ENOENT…); ssh2's SFTP errors carry numeric status codes. */
function isLocalErrno(code: unknown): boolean {
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) && code !== 'ECONNRESET';
}

/** Translates any error from a transfer step into a FleetError; FleetErrors pass through unchanged. */
export function toTransferError(err: unknown, ctx: ErrorContext): FleetError {
  if (isFleetError(err)) return err;
  const { code, message, fleetPath } = raw(err);
  const text = typeof message === 'string' ? message : String(err);
  const local = isLocalErrno(code);
  const lost = isConnectionLost(err);
  const reason = lost ? LOST : local ? localReason(code, text) : remoteReason(code, text);
  const note = lost && ctx.lostNote ? ` (${ctx.lostNote})` : '';
  // A failing sub-step (a parent directory, a temporary file) names its own path.
  const path = (typeof fleetPath === 'string' ? fleetPath : undefined) ?? (local ? ctx.localPath : ctx.remotePath);
  const where = path === undefined ? '' : local ? ` local ${path}` : ` ${path}`;
  const action = local ? (ctx.localAction ?? ctx.action) : ctx.action;
  return new TransferError(`${ctx.host}: cannot ${action}${where}: ${reason.what}; ${reason.hint}${note}`, {
    host: ctx.host,
    ...(path === undefined ? {} : { path }),
    ...(typeof code === 'number' ? { sftpStatus: code } : {}),
    cause: err,
  });
}

/** Runs one step and translates whatever it throws. */
export async function attempt<T>(ctx: ErrorContext, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (err) {
    throw toTransferError(err, ctx);
  }
}

/**
 * Marks a raw error with the path it concerns, when that differs from the step's own path. Returns a copy:
 * ssh2 fails every pending request with one shared Error object, which must not be changed.
 */
export function atPath(err: unknown, path: string): Error {
  const { code, message, fleetPath } = raw(err);
  if (typeof fleetPath === 'string' && err instanceof Error) return err;
  const copy = new Error(typeof message === 'string' ? message : String(err), { cause: err });
  return Object.assign(copy, { code, fleetPath: path });
}

/** The error a cancelled transfer ends with; `atomic: false` transfers may leave the current file partial. */
export function abortError(host: string, what: string, reason?: unknown, atomic = true): AbortError {
  const left = atomic
    ? 'files already finished stay in place, unfinished ones were not written'
    : 'files already finished stay in place; without atomic the file being written may be partial';
  return new AbortError(`${host}: ${what} cancelled; ${left}`, {
    host,
    ...(reason === undefined ? {} : { cause: reason }),
  });
}

/** How planning refuses a transfer (nothing to copy, a file where a directory must be), as `refuse` of tree.ts. */
export function refusal(host: string, verb: 'put' | 'get'): (message: string, path: string) => TransferError {
  return (message, path) => new TransferError(`${host}: cannot ${verb}: ${message}`, { host, path });
}
