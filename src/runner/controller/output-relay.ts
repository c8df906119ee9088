import type { StreamName } from '../../core/result.js';
import type { HostEntry } from './host-entry.js';
import { splitLines } from './output-lines.js';
import type { Emit } from './run-results.js';

/**
 * A host's output bytes: kept (capped) for its result and sent on as line events. `credit` gives the bytes
 * back to the worker only once the consumer has taken them: a slow terminal slows the hosts down. Output
 * of a host that already has its result (late, after a stop) is only credited.
 */
export function relayOutput(
  entry: HostEntry | undefined,
  stream: StreamName,
  data: Buffer,
  emit: Emit | undefined,
  credit: () => void,
): void {
  if (!entry || entry.result) return credit();
  const text = entry.builder.append(stream, data);
  // Nobody reads line events (PoolRunOptions.outputEvents): the result has what it keeps of the bytes.
  if (!emit) return credit();
  const host = entry.builder.host;
  // A consumer held up gives most lines the same promise (its stream's 'drain'): each is waited for once.
  const pending = new Set<Promise<void>>();
  for (const { line, bytes } of splitLines(text, data)) {
    const p = emit({ type: 'output', host, stream, line, bytes, at: Date.now() });
    if (p) pending.add(p);
  }
  if (pending.size === 0) credit();
  else void Promise.allSettled(pending).then(credit);
}
