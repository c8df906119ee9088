import { Command, Option } from 'commander';
import { addRunOptions, examples, windowOption, type CommonOptions } from '../options.js';
import { runCommand } from '../command-runner.js';
import type { Exit } from '../exit.js';
import { splitLast } from './put.js';

interface GetOptions extends CommonOptions {
  recursive?: boolean;
  window?: number;
}

export function getCommand(exit: Exit): Command {
  const cmd = new Command('get')
    .description('download files from every selected host into <local-dir>/<host>/<basename>')
    .usage('[options] <remote...> <local-dir>')
    .argument('<remote...>', 'remote paths (files, or directories with -r), then the local directory')
    .addOption(new Option('-r, --recursive', 'download directories and everything in them').helpGroup('Transfer:'))
    .addOption(windowOption());
  addRunOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'fleet get /etc/os-release ./facts -i hosts.yaml    # → facts/web01/os-release, facts/web02/os-release, …',
      'fleet get -r /var/log/app ./logs -l web',
    ]),
  );
  cmd.action(async (paths: string[], options: GetOptions) => {
    const { sources, target } = splitLast(paths, 'the remote path(s) and then a local directory: fleet get /etc/hostname ./out');
    exit(
      await runCommand(options, 'get', (fleet, call) =>
        fleet.get(sources, target, {
          ...call,
          ...(options.recursive ? { recursive: true } : {}),
          ...(options.window !== undefined ? { window: options.window } : {}),
        }),
      ),
    );
  });
  return cmd;
}
