import type { Command } from 'commander';
import { addRunOptions, addStdinOptions, COMMAND_WORDS_HELP, examples } from '../options.js';
import { runCommand } from '../command-runner.js';
import { CommandWords } from '../command-words.js';
import type { Exit } from '../exit.js';
import { checkScriptFile } from '../preflight.js';
import { readCommandStdin } from '../stdin.js';
import { addSudoOptions, sudoOf, type ExecOptions } from './exec.js';

export function scriptCommand(exit: Exit): Command {
  const cmd = new CommandWords('script')
    .description("run a local script on every selected host (Ansible's script): its shebang's interpreter, nothing left on the host")
    .argument('<file>', 'the local script; without a shebang it is run by sh')
    .argument('[args...]', 'arguments for the script, shell-quoted; {host} and the other names are filled in per host');
  addSudoOptions(cmd);
  addStdinOptions(cmd);
  addRunOptions(cmd);
  cmd.addHelpText(
    'after',
    COMMAND_WORDS_HELP +
      '  The script travels inside the command line (up to about 120 KiB) and is read by its interpreter\n' +
      '  from /dev/fd/9 (its $0): nothing is written to the host\'s disk, even if the run is killed.\n' +
      examples([
        'fleet script ./check.sh -i hosts.yaml',
        'fleet script ./x.sh ARG -l web',
        'fleet script ./deploy.py --version 1.4 --name {host} -l web --batch 25%',
        'fleet script ./load.sh < data.csv               # stdin goes to every host',
      ]),
  );
  cmd.action(async (file: string, args: string[], options: ExecOptions) => {
    let stdin: Buffer | undefined;
    const prepare = async () => {
      await checkScriptFile(file);
      stdin = await readCommandStdin(options);
    };
    exit(
      await runCommand(
        options,
        'exec',
        (fleet, call) => fleet.script(file, args, { ...call, sudo: sudoOf(options), ...(stdin ? { stdin } : {}) }),
        prepare,
      ),
    );
  });
  return cmd;
}
