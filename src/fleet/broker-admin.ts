/** What the CLI's `fleet sessions` needs of the broker; the CLI sees the facade only. */
export { brokerSessions, stopBroker, type BrokerSessions } from '../broker/client.js';
export type { HeldSessionInfo } from '../runner/transport/protocol.js';
