import type { Step } from '../../core/steps.js';
import type { SshHostOptions } from '../../ssh/options.js';

/** What crosses IPC to reach one host: SshHostOptions without its callback, secrets included (IPC only). */
export type HostTarget = Omit<SshHostOptions, 'onWarning' | 'jump'> & { jump?: HostTarget };

/** One host's work in a run: its steps run in order, in one worker, over one connection. */
export interface HostTask {
  host: HostTarget;
  steps: Step[];
  sudoPassword?: string;
}
