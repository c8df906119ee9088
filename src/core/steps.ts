/** The steps a call runs on each host, in plain data: what the facade builds and a worker carries out. */

/** Who the command runs as under sudo: root unless `user` is given. */
export interface SudoTarget {
  user?: string;
}

/**
 * The exec fields every layer shares (the call's ExecCallOptions, this step, ssh's ExecOptions), declared
 * once; each layer picks what it carries and types stdin and sudo as it must.
 */
export interface ExecShared {
  /** Exported in the remote shell: sshd drops env requests unless AcceptEnv allows them, so we don't use them. */
  env?: Record<string, string>;
  /** The remote directory the command runs in; the command does not start if it cannot be entered. */
  cwd?: string;
  sudo?: SudoTarget;
  /** The remote command is ended (TERM, then KILL and channel close) after this long. */
  timeoutMs?: number;
}

export interface ExecStep extends ExecShared {
  kind: 'exec';
  command: string;
  /** Bytes that are not text travel as base64: IPC messages are JSON, where a Buffer would not survive. */
  stdin?: string | { base64: string };
}

export interface PutStep {
  kind: 'put';
  local: string[];
  remote: string;
  recursive?: boolean;
  mode?: number;
  atomic?: boolean;
  skipUnchanged?: boolean;
  /** SFTP bytes in flight per file (TransferOptions.window). */
  window?: number;
  timeoutMs?: number;
}

/** Files land in `<localDir>/<host>/<basename>`, so hosts never overwrite each other. */
export interface GetStep {
  kind: 'get';
  remote: string[];
  localDir: string;
  recursive?: boolean;
  window?: number;
  timeoutMs?: number;
}

/** Connect and authenticate only (like `ansible -m ping`). */
export interface PingStep {
  kind: 'ping';
}

export type Step = ExecStep | PutStep | GetStep | PingStep;
