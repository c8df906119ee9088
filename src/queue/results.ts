import { jetstream, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { hostOfClaim, RESULTS, resultSubject } from './connection.js';
import { decode, encode, type WireEvent } from './wire.js';

type EndEvent = Extract<WireEvent, { type: 'end' }>;

/** Room left in a message for the headers (the Nats-Msg-Id) and the JSON around the result. */
const HEADROOM = 4096;
const RETRY_MS = 1000;

/**
 * Streamed lines and progress ride core NATS (a line lost on a reconnect is a line missing on screen), but
 * a host's end — its result — goes into the JetStream stream FLEET_RESULTS and is acknowledged by the
 * server: the submitter reads it from there whenever it reconnects, so a lost message cannot leave it
 * waiting. Until the server has it the agent tries again, every second, for as long as it lives (its
 * heartbeat goes on meanwhile), or until `abandon` (an agent told to stop, that has waited long enough for a
 * server it cannot reach): then, as when it dies first, the submitter reports the host WORKER_CRASH.
 * The message id makes a retry that did reach the server a duplicate the stream drops.
 */
export async function publishEnd(
  js: JetStreamClient,
  runId: string,
  end: EndEvent,
  maxPayload: number,
  log?: (line: string) => void,
  abandon?: AbortSignal,
): Promise<void> {
  const data = encode(fitted(end, maxPayload - HEADROOM));
  for (;;) {
    try {
      await js.publish(resultSubject(runId), data, { msgID: `${runId}.${end.host}` });
      return;
    } catch (err) {
      if (abandon?.aborted) {
        log?.(`result of ${end.host} (run ${runId}) not stored, given up on stopping: ${(err as Error).message}; the submitter reports it WORKER_CRASH`);
        return;
      }
      log?.(`result of ${end.host} (run ${runId}) not stored yet: ${(err as Error).message}; trying again`);
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }
}

/** A result too big for one message keeps the start of its output, marked truncated (as --max-output does). */
export function fitted(end: EndEvent, max: number): EndEvent {
  let e = end;
  while (encode(e).length > max && (e.result.stdout.length > 0 || e.result.stderr.length > 0)) {
    const { stdout, stderr } = e.result;
    e = { ...e, result: { ...e.result, stdout: stdout.slice(0, Math.floor(stdout.length / 2)), stderr: stderr.slice(0, Math.floor(stderr.length / 2)), truncated: true } };
  }
  return e;
}

export interface RunWatch {
  stop(): Promise<void>;
}

/**
 * The submitter's reliable half: who claimed which host (a watch on the claims bucket) and each host's end
 * (an ordered consumer of the run's results), both replayed by JetStream from the start and resumed after
 * a reconnect. The submitter's own claims (hosts it ends itself) are not agents' and are left out.
 */
export async function watchRun(
  nc: NatsConnection,
  claims: KV,
  runId: string,
  on: { claim: (host: string, agent: string) => void; end: (e: EndEvent) => void },
): Promise<RunWatch> {
  const watch = await claims.watch({ key: `${runId}.>` });
  const claimed = (async () => {
    for await (const entry of watch) {
      const agent = entry.string();
      if (entry.operation === 'PUT' && agent !== 'submitter') on.claim(hostOfClaim(entry.key), agent);
    }
  })();
  const consumer = await jetstream(nc).consumers.get(RESULTS, { filter_subjects: resultSubject(runId) });
  const messages = await consumer.consume();
  const ended = (async () => {
    for await (const m of messages) on.end(decode<EndEvent>(m.data));
  })();
  return {
    stop: async () => {
      watch.stop();
      await messages.close();
      await Promise.all([claimed, ended]);
    },
  };
}

/** The run's results leave the stream with the run (max_age is the backstop for a submitter that died). */
export async function dropResults(jsm: JetStreamManager, runId: string): Promise<void> {
  await jsm.streams.purge(RESULTS, { filter: resultSubject(runId) }).catch(() => undefined);
}
