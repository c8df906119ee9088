import { Option, type Command } from 'commander';
import type { ExecCallOptions, Fleet } from '../fleet/fleet.js';
import type { RunReport } from '../core/report.js';
import { runCommand } from './command-runner.js';
import type { Exit } from './exit.js';
import { addRunOptions, addStdinOptions, COMMAND_WORDS_HELP, type CommonOptions, type StdinOptions } from './options.js';
import { readCommandStdin } from './stdin.js';

/** What exec and script share: a command run on every host, with sudo and one stdin for all of them. */
export interface HostCommandOptions extends CommonOptions, StdinOptions {
  sudo?: boolean;
  sudoUser?: string;
}

/** --sudo / --sudo-user, as the Fleet takes them. */
function sudoOf(options: HostCommandOptions): boolean | { user: string } {
  return options.sudoUser !== undefined ? { user: options.sudoUser } : options.sudo === true;
}

/** The options of exec and script, and `help` after the paragraph on how their words are read. */
export function addHostCommandOptions(cmd: Command, help: string): Command {
  cmd
    .addOption(new Option('--sudo', 'run the command with sudo (password: --ask-pass)').helpGroup('Command:'))
    .addOption(new Option('--sudo-user <user>', 'with sudo, run as this user instead of root (implies --sudo)').helpGroup('Command:'));
  addStdinOptions(cmd);
  addRunOptions(cmd);
  return cmd.addHelpText('after', COMMAND_WORDS_HELP + help);
}

/**
 * Runs exec or script: `check` what is local first, then read the stdin every host gets (once), then make the
 * call with sudo and that stdin.
 */
export async function runHostCommand(
  exit: Exit,
  options: HostCommandOptions,
  call: (fleet: Fleet, callOptions: ExecCallOptions) => Promise<RunReport>,
  check?: () => Promise<void>,
): Promise<void> {
  let stdin: Buffer | undefined;
  const prepare = async () => {
    await check?.();
    stdin = await readCommandStdin(options);
  };
  exit(await runCommand(options, 'exec', (fleet, c) => call(fleet, { ...c, sudo: sudoOf(options), ...(stdin ? { stdin } : {}) }), prepare));
}
