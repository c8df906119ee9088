/** The steps a call runs on each host, in plain data: what the facade builds and a worker carries out. */

export interface ExecStep {
  kind: 'exec';
  command: string;
  timeoutMs?: number;
  sudo?: { user?: string };
  /** Bytes that are not text travel as base64: IPC messages are JSON, where a Buffer would not survive. */
  stdin?: string | { base64: string };
  env?: Record<string, string>;
  cwd?: string;
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
