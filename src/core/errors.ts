/**
 * One error taxonomy for the whole tool (DESIGN.md §6). Errors are translated into these classes once, at the
 * edge where they arise (ssh, sftp, inventory), and cross the IPC boundary as plain data.
 */

export type FleetErrorCode =
  | 'CONFIG'
  | 'CONNECT'
  | 'AUTH'
  | 'HOST_KEY'
  | 'COMMAND'
  | 'TRANSFER'
  | 'TIMEOUT'
  | 'WORKER_CRASH'
  | 'ABORT'
  /** Never started: an earlier batch failed too much (max-fail, fail-fast) or the run was cancelled first. */
  | 'SKIPPED'
  /** This machine, not the host: it ran out of file descriptors. */
  | 'LOCAL';

/** Extra facts a subclass carries; all plain data so they survive structured clone / JSON. */
export interface FleetErrorDetails {
  /** ConnectError: what kind of network failure. */
  reason?: 'dns' | 'refused' | 'timeout' | 'reset' | 'unreachable' | 'closed' | 'throttled' | 'other';
  /** ConfigError: where in which file. */
  file?: string;
  line?: number;
  column?: number;
  /** CommandError. */
  exitCode?: number | null;
  signal?: string | null;
  /** TransferError. */
  path?: string;
  sftpStatus?: number;
  /** HostKeyError. */
  knownHostsFile?: string;
  knownHostsLine?: number;
  /** TimeoutError: which phase ran out of time. */
  phase?: 'connect' | 'command' | 'transfer' | 'run';
  timeoutMs?: number;
}

export interface FleetErrorOptions extends FleetErrorDetails {
  host?: string;
  cause?: unknown;
}

export class FleetError extends Error {
  readonly code: FleetErrorCode;
  readonly host: string | undefined;
  readonly details: FleetErrorDetails;

  constructor(code: FleetErrorCode, message: string, options: FleetErrorOptions = {}) {
    const { host, cause, ...details } = options;
    super(message, cause === undefined ? undefined : { cause });
    this.code = code;
    this.host = host;
    this.details = details;
  }

  override get name(): string {
    return this.constructor.name;
  }
}

export class ConfigError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('CONFIG', message, options);
  }
}

export class ConnectError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('CONNECT', message, options);
  }
}

export class AuthError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('AUTH', message, options);
  }
}

export class HostKeyError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('HOST_KEY', message, options);
  }
}

export class CommandError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('COMMAND', message, options);
  }
}

export class TransferError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('TRANSFER', message, options);
  }
}

export class TimeoutError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('TIMEOUT', message, options);
  }
}

export class WorkerCrashError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('WORKER_CRASH', message, options);
  }
}

export class AbortError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('ABORT', message, options);
  }
}

export class SkippedError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('SKIPPED', message, options);
  }
}

/** The controller's machine failed the host (out of file descriptors): nothing is known about the host. */
export class LocalError extends FleetError {
  constructor(message: string, options: FleetErrorOptions = {}) {
    super('LOCAL', message, options);
  }
}

/** The wire form of a FleetError: what crosses IPC and what JSON output shows. */
export interface PlainFleetError {
  code: FleetErrorCode;
  message: string;
  host?: string;
  details?: FleetErrorDetails;
  /** Only the message of the underlying cause: causes may hold objects that must not cross IPC. */
  cause?: string;
}

const byCode: Record<FleetErrorCode, new (message: string, options?: FleetErrorOptions) => FleetError> = {
  CONFIG: ConfigError,
  CONNECT: ConnectError,
  AUTH: AuthError,
  HOST_KEY: HostKeyError,
  COMMAND: CommandError,
  TRANSFER: TransferError,
  TIMEOUT: TimeoutError,
  WORKER_CRASH: WorkerCrashError,
  ABORT: AbortError,
  SKIPPED: SkippedError,
  LOCAL: LocalError,
};

export function toPlainError(err: FleetError): PlainFleetError {
  const plain: PlainFleetError = { code: err.code, message: err.message };
  if (err.host !== undefined) plain.host = err.host;
  if (Object.keys(err.details).length > 0) plain.details = { ...err.details };
  if (err.cause instanceof Error) plain.cause = err.cause.message;
  else if (typeof err.cause === 'string') plain.cause = err.cause;
  return plain;
}

export function fromPlainError(plain: PlainFleetError): FleetError {
  const Ctor = byCode[plain.code] ?? FleetError;
  const options: FleetErrorOptions = { ...plain.details };
  if (plain.host !== undefined) options.host = plain.host;
  if (plain.cause !== undefined) options.cause = new Error(plain.cause);
  return new Ctor(plain.message, options);
}

export function isFleetError(value: unknown): value is FleetError {
  return value instanceof FleetError;
}
