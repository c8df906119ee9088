import { HEARTBEAT_MS, HEARTBEATS, openQueue } from './connection.js';
import { parseQueue, type QueueOptions } from './queue-url.js';
import { decode, type Heartbeat } from './wire.js';

/** The agents heard from within a few heartbeats: name, zone and hosts running now. */
export async function agentStatus(queue: string | QueueOptions): Promise<Heartbeat[]> {
  const nc = await openQueue(parseQueue(queue));
  const seen = new Map<string, Heartbeat>();
  nc.subscribe(HEARTBEATS, { callback: (_e, m) => {
    const beat = decode<Heartbeat>(m.data);
    seen.set(beat.name, beat);
  } });
  await new Promise((r) => setTimeout(r, HEARTBEAT_MS * 3));
  await nc.close();
  return [...seen.values()].sort((a, b) => a.name.localeCompare(b.name));
}
