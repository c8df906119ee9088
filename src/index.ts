// The public surface of fleet-ssh: deploy scripts import from here only.
export * from './errors.js';
