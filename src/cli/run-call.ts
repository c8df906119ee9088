import type { CallOptions, Fleet } from '../fleet.js';
import { EXIT, exitCodeFor, type ExitCode, type RunEvent } from '../output/index.js';
import type { RunReport } from '../output/report.js';
import { DEFAULT_FORKS } from '../runner/pool.js';
import { UsageError } from './errors.js';
import type { CommonOptions } from './options.js';
import { OutDir } from './out-dir.js';
import { ProgressMeter } from './progress.js';
import { JsonSink, NdjsonSink } from './sinks/json.js';
import type { CallKind, Sink } from './sinks/sink.js';
import { TextSink } from './sinks/text.js';
import type { Terminal } from './terminal.js';

/**
 * --fail-fast and --max-fail as the Fleet's rolling batches: the next batch starts only when the one before
 * has ended and no more than max-fail of the hosts failed. --fail-fast is max-fail 0. Without --batch the
 * batch is --forks hosts, i.e. as many as run at once anyway: every host running when the first failure
 * comes in finishes, and no new host starts. (Batches roll as a whole, so with more hosts than --forks a
 * slow host holds the next batch back; that is the price of not killing commands half way.)
 */
export function flowOptions(options: CommonOptions): Pick<CallOptions, 'batch' | 'maxFail' | 'deadline'> {
  const maxFail = options.failFast ? '0' : options.maxFail;
  const batch = options.batch ?? (maxFail !== undefined ? (options.forks ?? DEFAULT_FORKS) : undefined);
  return {
    ...(batch !== undefined ? { batch } : {}),
    ...(maxFail !== undefined ? { maxFail } : {}),
    ...(options.deadline !== undefined ? { deadline: options.deadline } : {}),
  };
}

function sinkFor(terminal: Terminal, options: CommonOptions, hosts: readonly string[], kind: CallKind): Sink {
  switch (options.output) {
    case 'json':
      return new JsonSink(terminal);
    case 'ndjson':
      return new NdjsonSink(terminal);
    case 'text':
      return new TextSink(terminal, { hosts, kind, gather: options.gather === true });
  }
}

/**
 * First Ctrl-C (SIGINT): the call's AbortSignal fires — nothing new starts, running remote commands are
 * signalled — and the run ends normally with partial results, summary and exit 130. A second Ctrl-C quits
 * at once (workers, losing their controller, still end their remote commands).
 */
function watchInterrupt(controller: AbortController, terminal: Terminal): { interrupted(): boolean; dispose(): void } {
  let count = 0;
  const onSigint = () => {
    count++;
    if (count > 1) {
      terminal.stopProgress();
      process.exit(EXIT.INTERRUPTED);
    }
    terminal.message('interrupted: cancelling running hosts (Ctrl-C again to quit at once)');
    controller.abort();
  };
  process.on('SIGINT', onSigint);
  return { interrupted: () => count > 0, dispose: () => process.off('SIGINT', onSigint) };
}

async function openOutDir(dir: string): Promise<OutDir> {
  try {
    return await OutDir.create(dir);
  } catch (err) {
    throw new UsageError(`--out-dir ${dir}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Runs one exec/put/get/ping call with the chosen output, and says how the process should exit. */
export async function runCall(
  fleet: Fleet,
  terminal: Terminal,
  options: CommonOptions,
  kind: CallKind,
  call: (callOptions: CallOptions) => Promise<RunReport>,
): Promise<ExitCode> {
  const outDir = options.outDir !== undefined ? await openOutDir(options.outDir) : undefined;
  const sink = sinkFor(terminal, options, fleet.hosts, kind);
  const controller = new AbortController();
  const interrupt = watchInterrupt(controller, terminal);
  // `fleet exec … | head`: once the reader is gone there is no point going on. The hosts are cancelled (their
  // remote commands ended) and the run ends as quietly as any Unix filter whose reader left: main exits 141.
  terminal.whenStdoutClosed(() => controller.abort());
  const progress = new ProgressMeter(terminal, fleet.hosts.length, kind === 'put' || kind === 'get');
  const onEvent = (event: RunEvent): Promise<void> | undefined => {
    progress.onEvent(event);
    const waits = [outDir?.onEvent(event), sink.onEvent(event)].filter((p) => p !== undefined);
    return waits.length === 0 ? undefined : Promise.all(waits).then(() => undefined);
  };
  let report: RunReport;
  try {
    report = await call({ ...flowOptions(options), signal: controller.signal, onEvent });
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  await outDir?.close().catch((err: Error) => terminal.message(`--out-dir: ${err.message}`));
  if (terminal.stdoutClosed) return exitCodeFor(report.summary, { interrupted: true });
  const interrupted = interrupt.interrupted();
  sink.finish(report, interrupted);
  return exitCodeFor(report.summary, { interrupted });
}
