import { isPrivateConnection, parseQueue, type QueueOptions } from '../queue/queue-url.js';

/**
 * Whether literal secrets may travel over this queue (queue-url.ts). Apart from fleet/agent.ts so that a
 * CLI run checks it without loading the NATS client.
 */
export function isPrivateQueue(queue: string | QueueOptions): boolean {
  return isPrivateConnection(parseQueue(queue));
}
