import { EXIT } from './render/index.js';

/** A mistake on the command line that commander cannot see (mixing options, a missing argument): exit 2. */
export class UsageError extends Error {
  readonly exitCode = EXIT.USAGE;
}

/** Ctrl-C before any host was touched (at the password prompt): exit 130. */
export class InterruptedError extends Error {
  readonly exitCode = EXIT.INTERRUPTED;
  constructor() {
    super('interrupted');
  }
}
