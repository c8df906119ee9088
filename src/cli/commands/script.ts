import type { Command } from 'commander';
import { examples } from '../options.js';
import { CommandWords } from '../command-words.js';
import type { Exit } from '../exit.js';
import { addHostCommandOptions, runHostCommand, type HostCommandOptions } from '../host-command.js';
import { checkScriptFile } from '../preflight.js';

export function scriptCommand(exit: Exit): Command {
  const cmd = new CommandWords('script')
    .description("run a local script on every selected host (Ansible's script): its shebang's interpreter, nothing left on the host")
    .argument('<file>', 'the local script; without a shebang it is run by sh')
    .argument('[args...]', 'arguments for the script, shell-quoted; {host} and the other names are filled in per host');
  addHostCommandOptions(
    cmd,
    '  The script travels inside the command line (up to about 120 KiB) and is read by its interpreter\n' +
      '  from /dev/fd/9 (its $0): nothing is written to the host\'s disk, even if the run is killed.\n' +
      examples([
        'fleet script ./check.sh -i hosts.yaml',
        'fleet script ./x.sh ARG -l web',
        'fleet script ./deploy.py --version 1.4 --name {host} -l web --batch 25%',
        'fleet script ./load.sh < data.csv               # stdin goes to every host',
      ]),
  );
  cmd.action((file: string, args: string[], options: HostCommandOptions) =>
    runHostCommand(exit, options, (fleet, call) => fleet.script(file, args, call), () => checkScriptFile(file)),
  );
  return cmd;
}
