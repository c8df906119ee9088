// The public surface of fleet-ssh: deploy scripts import from here only.
export { Fleet, type FleetOptions, type CallOptions, type ExecCallOptions, type PutCallOptions, type GetCallOptions } from './fleet.js';
export { RunReport } from './output/report.js';
export type { HostResult, HostOutcome, RunEvent, RunSummary, StreamName, TransferSummary } from './output/model.js';
export * from './errors.js';
export type { HostInfo, PerHost } from './per-host.js';
