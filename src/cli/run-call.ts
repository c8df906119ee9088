import type { CallOptions, Fleet } from '../fleet/fleet.js';
import { EXIT, exitCodeFor, type ExitCode } from './render/index.js';
import { type RunEvent } from '../core/result.js';
import type { RunReport } from '../core/report.js';
import { DEFAULT_FORKS } from '../fleet/fleet.js';
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

/** The signals a run treats as "stop now, but tell me what happened", and the exit code each ends with. */
const STOP_SIGNALS = { SIGINT: EXIT.INTERRUPTED, SIGTERM: EXIT.TERMINATED, SIGHUP: EXIT.HANGUP } as const;
type StopSignal = keyof typeof STOP_SIGNALS;

/**
 * The first SIGINT, SIGTERM or SIGHUP: the call's AbortSignal fires — nothing new starts, running remote
 * commands are signalled, unfinished uploads remove their temp files — and the run ends normally with partial
 * results, summary and 130/143/129. A second one quits at once (a killed controller's sessions end, and the
 * remote watchdog ends what they ran).
 */
function watchInterrupt(controller: AbortController, terminal: Terminal): { exitCode(): ExitCode | undefined; dispose(): void } {
  let first: StopSignal | undefined;
  const handlers = new Map<StopSignal, () => void>();
  for (const name of Object.keys(STOP_SIGNALS) as StopSignal[]) {
    const onSignal = () => {
      if (first !== undefined) {
        terminal.stopProgress();
        process.exit(STOP_SIGNALS[first]);
      }
      first = name;
      const again = name === 'SIGINT' ? 'Ctrl-C again' : `${name} again`;
      terminal.message(`interrupted (${name}): cancelling running hosts (${again} to quit at once)`);
      controller.abort();
    };
    handlers.set(name, onSignal);
    process.on(name, onSignal);
  }
  return {
    exitCode: () => (first === undefined ? undefined : STOP_SIGNALS[first]),
    dispose: () => {
      for (const [name, onSignal] of handlers) process.off(name, onSignal);
    },
  };
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
    const toDir = outDir?.onEvent(event);
    const toSink = sink.onEvent(event);
    // Lines held up by a full stdout all get the one promise of its 'drain': passed on as it is, not wrapped
    // per line (a promise and a microtask per line made a chatty run into a pipe GC-bound).
    if (!toDir || toDir === toSink) return toSink;
    return toSink ? Promise.all([toDir, toSink]).then(() => undefined) : toDir;
  };
  let report: RunReport;
  try {
    // --out-dir writes every byte of the streams; -o json and -b print only what the results keep.
    const outputEvents = outDir !== undefined || sink.wantsOutput;
    report = await call({ ...flowOptions(options), signal: controller.signal, onEvent, outputEvents });
  } finally {
    progress.stop();
    interrupt.dispose();
  }
  await outDir?.close().catch((err: Error) => terminal.message(`--out-dir: ${err.message}`));
  if (terminal.stdoutClosed) return exitCodeFor(report.summary, { interrupted: true });
  const signalled = interrupt.exitCode();
  const interrupted = signalled !== undefined;
  sink.finish(report, interrupted);
  return signalled ?? exitCodeFor(report.summary, { interrupted });
}
