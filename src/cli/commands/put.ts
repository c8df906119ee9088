import { Command, Option } from 'commander';
import { addRunOptions, examples, fileMode, windowOption, type CommonOptions } from '../options.js';
import { runCommand } from '../command-runner.js';
import { UsageError } from '../errors.js';
import { checkUploadSources } from '../preflight.js';
import type { Exit } from '../exit.js';

interface PutOptions extends CommonOptions {
  recursive?: boolean;
  mode?: number;
  atomic: boolean;
  skipUnchanged?: boolean;
  window?: number;
}

/** `<a> <b> … <last>` → the sources and the destination. */
export function splitLast(paths: string[], what: string): { sources: string[]; target: string } {
  if (paths.length < 2) throw new UsageError(`give ${what}`);
  return { sources: paths.slice(0, -1), target: paths[paths.length - 1]! };
}

export function putCommand(exit: Exit): Command {
  const cmd = new Command('put')
    .description('upload local files (or directories with -r) to every selected host, atomically')
    .usage('[options] <local...> <remote>')
    .argument('<local...>', 'local files or directories, then the remote directory (ending in /) or path')
    .addOption(new Option('-r, --recursive', 'upload directories and everything in them').helpGroup('Transfer:'))
    .addOption(new Option('--mode <octal>', 'file mode on the host, e.g. 0644 (default: the local mode)').argParser(fileMode).helpGroup('Transfer:'))
    .addOption(new Option('--no-atomic', 'write in place instead of to a temporary file renamed at the end').helpGroup('Transfer:'))
    .addOption(new Option('--skip-unchanged', "skip files whose remote copy has the same size and sha256").helpGroup('Transfer:'))
    .addOption(windowOption());
  addRunOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'fleet put ./app.tgz /tmp/ -i hosts.yaml',
      'fleet put app.tgz app.sha256 /srv/releases/ -l web',
      'fleet put -r ./conf.d /etc/app/ --mode 0640 --skip-unchanged',
      "fleet put ./conf/ /etc/app/{host}.conf          # remote paths take {host}, {user}, variables",
    ]),
  );
  cmd.action(async (paths: string[], options: PutOptions) => {
    const { sources, target } = splitLast(paths, 'one or more local paths and then the remote destination: fleet put ./app.tgz /tmp/');
    await checkUploadSources(sources, options.recursive === true);
    exit(
      await runCommand(options, 'put', (fleet, call) =>
        fleet.put(sources, target, {
          ...call,
          atomic: options.atomic,
          ...(options.recursive ? { recursive: true } : {}),
          ...(options.mode !== undefined ? { mode: options.mode } : {}),
          ...(options.skipUnchanged ? { skipUnchanged: true } : {}),
          ...(options.window !== undefined ? { window: options.window } : {}),
        }),
      ),
    );
  });
  return cmd;
}
