import { WorkerCrashError } from '../core/errors.js';
import { notStartedResult } from '../core/not-started.js';
import type { HostResult } from '../core/result.js';
import type { PoolOptions } from '../runner/controller/pool.js';
import type { PoolRunOptions } from '../runner/controller/run-options.js';
import type { HostTask } from '../runner/transport/task.js';
import { eventFromWire, resultFromWire, type RemoteRunOptions } from './frames.js';
import { linesFromWire } from './line-batches.js';
import type { BrokerLink } from './link.js';

export interface RemoteRun {
  id: number;
  pool: PoolOptions;
  idleMs: number;
  tasks: HostTask[];
  options: PoolRunOptions;
}

/** A host the broker's death took before its end: reported as a worker crash is, naming the broker. */
function lostResult(host: string, pid: number | undefined, durationMs: number): HostResult {
  const error = new WorkerCrashError(
    `${host}: the fleet broker${pid ? ` (pid ${pid})` : ''} running this host went away; its command may or may not have finished — check the host before re-running`,
    { host },
  );
  return notStartedResult(host, error, durationMs);
}

/**
 * One run on the broker, as WorkerPool.run would do it here: events and warnings as they come, each host's
 * result from its end event (the broker does not send it twice). A cancel (the signal) is a frame; a broker
 * gone before the result leaves every host that had no end reported exactly once, with an end event too, so
 * a stream (-o ndjson) shows each host once.
 */
export function runRemote(link: BrokerLink, run: RemoteRun): Promise<HostResult[]> {
  const { id, options, tasks } = run;
  const started = performance.now();
  const ended = new Map<string, HostResult>();
  const onAbort = () => link.send({ type: 'cancel', id });
  return new Promise<HostResult[]>((resolve, reject) => {
    const finish = (settle: () => void) => {
      options.signal?.removeEventListener('abort', onAbort);
      link.endRun(id);
      settle();
    };
    // Every host once, in task order: from its end event, else from the last frame, else lost with the broker.
    let reported = false;
    const reportAll = async () => {
      if (reported) return;
      reported = true;
      const results: HostResult[] = [];
      for (const { host } of tasks) {
        const known = ended.get(host.host);
        const result = known ?? lostResult(host.host, link.pid, Math.round(performance.now() - started));
        if (!known) await options.onEvent?.({ type: 'end', host: host.host, result, at: Date.now() });
        results.push(result);
      }
      finish(() => resolve(results));
    };
    link.startRun(id, {
      frame: async (frame) => {
        if (frame.type === 'event') {
          const event = eventFromWire(frame.event);
          if (event.type === 'end') ended.set(event.host, event.result);
          await options.onEvent?.(event);
        } else if (frame.type === 'lines') {
          // Waits only when the consumer is held up: an await per line was a microtask per line.
          for (const event of linesFromWire(frame)) {
            const wait = options.onEvent?.(event);
            if (wait) await wait;
          }
        } else if (frame.type === 'warning') options.onWarning?.(frame.message);
        else if (frame.type === 'result') {
          for (const wire of frame.results) {
            const result = resultFromWire(wire);
            ended.set(result.host, result);
            await options.onEvent?.({ type: 'end', host: result.host, result, at: Date.now() });
          }
          await reportAll();
        } else finish(() => reject(new Error(`the fleet broker: ${frame.message}`)));
      },
      closed: reportAll,
    });
    const remote: RemoteRunOptions = {
      ...(options.deadlineMs !== undefined ? { deadlineMs: options.deadlineMs } : {}),
      ...(options.maxOutputBytes !== undefined ? { maxOutputBytes: options.maxOutputBytes } : {}),
      ...(options.retry !== undefined ? { retry: options.retry } : {}),
      ...(options.outputEvents !== undefined ? { outputEvents: options.outputEvents } : {}),
    };
    link.send({ type: 'run', id, pool: run.pool, idleMs: run.idleMs, tasks, options: remote });
    options.signal?.addEventListener('abort', onAbort, { once: true });
    if (options.signal?.aborted) onAbort();
  });
}
