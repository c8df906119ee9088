import { Command } from 'commander';
import { addRunOptions, examples, type CommonOptions } from '../options.js';
import { runCommand } from '../command-runner.js';
import type { Exit } from '../exit.js';

export function pingCommand(exit: Exit): Command {
  const cmd = new Command('ping').description('connect and authenticate to every selected host, run nothing (like ansible -m ping)');
  addRunOptions(cmd);
  cmd.addHelpText(
    'after',
    examples(['fleet ping -i hosts.yaml', 'fleet ping -l db --connect-timeout 3s -o json', 'fleet ping -b    # one line for all the hosts that answered']),
  );
  cmd.action(async (options: CommonOptions) => {
    exit(await runCommand(options, 'ping', (fleet, call) => fleet.ping(call)));
  });
  return cmd;
}
