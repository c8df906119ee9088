import { join } from 'node:path';
import { FleetError, toPlainError } from '../../core/errors.js';
import { fileNameOf } from '../../core/host-file-name.js';
import type { StreamName, TransferSummary } from '../../core/result.js';
import { getPath, putPath, type TransferProgress, type TransferResult } from '../../sftp/index.js';
import { DEFAULT_CONNECT_TIMEOUT_MS, type SshConnection } from '../../ssh/connect.js';
import { runRemoteCommand } from '../../ssh/exec.js';
import { shellQuote } from '../../ssh/shell-quote.js';
import type { HeldSessions, Lease } from './held-sessions.js';
import { asFleetError, asTransferError, commandFailed, jobCancelled, transferTimedOut } from './job-errors.js';
import { LineSplitter } from './line-splitter.js';
import { retryOnLocalFds } from './local-fds.js';
import type { TaskEnd } from '../transport/protocol.js';
import type { ExecStep, GetStep, PutStep } from '../../core/steps.js';
import type { HostTask } from '../transport/task.js';

export interface JobIo {
  /** Sends whole lines of output, as raw bytes; a returned promise means "wait: the controller is behind". */
  output(stream: StreamName, data: Buffer): Promise<void> | undefined;
  warning(message: string): void;
  /** Bytes this host's transfers have moved so far (all its put/get steps together); callers throttle. */
  progress?(bytes: number): void;
}

/** An AbortSignal that fires on the task's cancel or after `timeoutMs`, saying which. */
function stepSignal(cancel: AbortSignal, timeoutMs: number | undefined): { signal: AbortSignal; timedOut(): boolean; done(): void } {
  if (timeoutMs === undefined) return { signal: cancel, timedOut: () => false, done: () => undefined };
  const controller = new AbortController();
  let expired = false;
  const timer = setTimeout(() => {
    expired = true;
    controller.abort();
  }, timeoutMs);
  const onCancel = () => controller.abort();
  cancel.addEventListener('abort', onCancel, { once: true });
  return {
    signal: controller.signal,
    timedOut: () => expired,
    done: () => {
      clearTimeout(timer);
      cancel.removeEventListener('abort', onCancel);
    },
  };
}

async function runExec(conn: SshConnection, step: ExecStep, task: HostTask, io: JobIo, cancel: AbortSignal) {
  const splitters = { stdout: new LineSplitter(), stderr: new LineSplitter() };
  const forward = (stream: StreamName) => (chunk: Buffer) => {
    const lines = splitters[stream].push(chunk);
    return lines.length ? io.output(stream, lines) : undefined;
  };
  // The fields the step shares with ExecOptions (core/steps.ts ExecShared) pass as they are (an absent one
  // reads as unset either way); stdin is decoded from its IPC form.
  const { timeoutMs, sudo, env, cwd, stdin } = step;
  const result = await runRemoteCommand(conn, step.command, {
    timeoutMs,
    sudo,
    env,
    cwd,
    ...(task.sudoPassword !== undefined ? { sudoPassword: task.sudoPassword } : {}),
    ...(stdin !== undefined ? { stdin: typeof stdin === 'string' ? stdin : Buffer.from(stdin.base64, 'base64') } : {}),
    signal: cancel,
    maxBufferBytes: 0,
    onStdout: forward('stdout'),
    onStderr: forward('stderr'),
  });
  for (const stream of ['stdout', 'stderr'] as const) {
    const rest = splitters[stream].flush();
    if (rest.length) await io.output(stream, rest);
  }
  return result;
}

async function runTransfer(
  conn: SshConnection,
  step: PutStep | GetStep,
  cancel: AbortSignal,
  onBytes: (bytesDone: number) => void,
): Promise<TransferResult> {
  const host = conn.host;
  const timing = stepSignal(cancel, step.timeoutMs);
  const onProgress = (p: TransferProgress) => onBytes(p.totalBytesDone);
  try {
    const sftp = await conn.sftp();
    if (step.kind === 'put') {
      return await putPath(sftp, host, step.local, step.remote, {
        signal: timing.signal,
        onProgress,
        ...(step.recursive !== undefined ? { recursive: step.recursive } : {}),
        ...(step.mode !== undefined ? { mode: step.mode } : {}),
        ...(step.atomic !== undefined ? { atomic: step.atomic } : {}),
        ...(step.skipUnchanged !== undefined ? { skipUnchanged: step.skipUnchanged } : {}),
        ...(step.window !== undefined ? { window: step.window } : {}),
        openChannel: () => conn.extraSftp(),
        remoteSha256: async (path) => {
          const r = await runRemoteCommand(conn, `sha256sum -- ${shellQuote(path)} 2>/dev/null`, { signal: timing.signal });
          return r.exitCode === 0 ? r.stdout.toString().split(/\s+/)[0] : undefined;
        },
      });
    }
    return await getPath(sftp, host, step.remote, join(step.localDir, fileNameOf(host)) + '/', {
      signal: timing.signal,
      onProgress,
      ...(step.recursive !== undefined ? { recursive: step.recursive } : {}),
      ...(step.window !== undefined ? { window: step.window } : {}),
    });
  } catch (err) {
    if (timing.timedOut()) {
      throw transferTimedOut(host, step.timeoutMs, err);
    }
    throw err;
  } finally {
    timing.done();
  }
}

/**
 * Everything one host does in a run, inside a worker: connect, then each step in order over that one
 * connection; the first failing step ends the host. Never throws: every outcome is a TaskEnd.
 */
export async function runHostJob(
  task: HostTask,
  io: JobIo,
  cancel: AbortSignal,
  onStarted: () => void,
  sessions: HeldSessions,
): Promise<TaskEnd> {
  const started = performance.now();
  const host = task.host.host;
  const end: TaskEnd = { ok: false, exitCode: null, signal: null, durationMs: 0, started: false, worker: process.pid };
  const finish = (error?: FleetError): TaskEnd => {
    end.durationMs = Math.round(performance.now() - started);
    if (error) end.error = toPlainError(error);
    end.ok = !error;
    return end;
  };

  let lease: Lease;
  try {
    const budgetMs = task.host.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    lease = await retryOnLocalFds(host, budgetMs, cancel, () => sessions.acquire(task.host, cancel, io.warning));
  } catch (err) {
    return finish(cancel.aborted && !(err instanceof FleetError) ? jobCancelled(host) : asFleetError(err, host));
  }
  const conn: SshConnection = lease.conn;
  try {
    const transfer: TransferSummary = { files: 0, skipped: 0, bytes: 0 };
    for (const step of task.steps) {
      if (cancel.aborted) return finish(jobCancelled(host));
      if (!end.started) {
        end.started = true;
        onStarted();
      }
      if (step.kind === 'ping') continue;
      if (step.kind === 'exec') {
        let r: Awaited<ReturnType<typeof runExec>>;
        try {
          r = await runExec(conn, step, task, io, cancel);
        } catch (err) {
          // The channel could not be opened (the link died, MaxSessions): this host's result, not a crash.
          return finish(asFleetError(err, host));
        }
        end.exitCode = r.exitCode;
        end.signal = r.signal;
        if (r.error) return finish(r.error);
        if (r.exitCode !== 0) return finish(commandFailed(host, r.exitCode, r.signal));
        continue;
      }
      try {
        const before = transfer.bytes;
        const r = await runTransfer(conn, step, cancel, (done) => io.progress?.(before + done));
        for (const f of r.files) {
          transfer.files++;
          if (f.skipped) transfer.skipped++;
        }
        transfer.bytes += r.bytes;
        end.transfer = transfer;
      } catch (err) {
        end.transfer = transfer;
        return finish(asTransferError(err, host));
      }
    }
    return finish();
  } finally {
    // Held for the host's next task (the same worker gets it), or closed when sessions are not kept.
    await lease.release();
  }
}
