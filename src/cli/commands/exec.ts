import { Option, type Command } from 'commander';
import { addRunOptions, addStdinOptions, COMMAND_WORDS_HELP, examples, type CommonOptions, type StdinOptions } from '../options.js';
import { runCommand } from '../command-runner.js';
import { CommandWords } from '../command-words.js';
import type { Exit } from '../exit.js';
import { readCommandStdin } from '../stdin.js';

export interface ExecOptions extends CommonOptions, StdinOptions {
  sudo?: boolean;
  sudoUser?: string;
}

/** --sudo / --sudo-user, as the Fleet takes them. */
export function sudoOf(options: ExecOptions): boolean | { user: string } {
  return options.sudoUser !== undefined ? { user: options.sudoUser } : options.sudo === true;
}

export function addSudoOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--sudo', 'run the command with sudo (password: --ask-pass)').helpGroup('Command:'))
    .addOption(new Option('--sudo-user <user>', 'with sudo, run as this user instead of root (implies --sudo)').helpGroup('Command:'));
}

export function execCommand(exit: Exit): Command {
  const cmd = new CommandWords('exec')
    .description('run a shell command on every selected host, streaming its output as `host | line`')
    .argument('<command...>', 'the command, quoted or as words (see below); run by the login shell');
  addSudoOptions(cmd);
  addStdinOptions(cmd);
  addRunOptions(cmd);
  cmd.addHelpText(
    'after',
    COMMAND_WORDS_HELP +
      examples([
        'fleet exec "df -h" -i hosts.yaml',
        'fleet exec -l web uname -r',
        "fleet exec -l 'web:&prod:!web03' -f 20 'systemctl is-active nginx'",
        'fleet exec -b "uname -r"                      # fold identical output (like clush -b)',
        'fleet exec -H "root@10.0.0.[1-5]:2222" uptime',
        "fleet exec 'curl -s http://{address}:8080/health'",
        "fleet exec 'cat > /tmp/motd' < motd.txt        # stdin goes to every host",
        'fleet exec --sudo --ask-pass "apt-get -y upgrade" --batch 25% --max-fail 10%',
        'fleet exec -o json "cat /etc/os-release" | jq \'.hosts[] | {host, ok}\'',
        'fleet exec --out-dir logs/ -- journalctl -u app --since today',
      ]),
  );
  cmd.action(async (words: string[], options: ExecOptions) => {
    let stdin: Buffer | undefined;
    const prepare = async () => {
      stdin = await readCommandStdin(options);
    };
    exit(
      await runCommand(
        options,
        'exec',
        (fleet, call) => fleet.exec(words.join(' '), { ...call, sudo: sudoOf(options), ...(stdin ? { stdin } : {}) }),
        prepare,
      ),
    );
  });
  return cmd;
}
