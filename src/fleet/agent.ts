/** What the CLI's `fleet agent` needs of the queue layer (the CLI imports only fleet/ and core/). */
export { Agent, type AgentOptions } from '../queue/agent.js';
export { agentStatus } from '../queue/status.js';
