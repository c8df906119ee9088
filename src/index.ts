// The public surface of fleet-ssh: deploy scripts import from here only.
export { Fleet, type FleetOptions, type CallOptions, type ExecCallOptions, type PutCallOptions, type GetCallOptions } from './fleet/fleet.js';
export { RunReport } from './core/report.js';
export type { HostResult, HostOutcome, RunEvent, RunSummary, StreamName, TransferSummary } from './core/result.js';
export * from './core/errors.js';
export type { HostInfo, PerHost } from './fleet/per-host.js';
/** The --persist broker's sessions (`fleet sessions`) and its end (`fleet sessions --stop`), for scripts. */
export { brokerSessions, stopBroker, type BrokerSessions, type HeldSessionInfo } from './fleet/broker-admin.js';
