import { Command, Option } from 'commander';
import { addRunOptions, examples, type CommonOptions } from '../options.js';
import { runCommand } from '../command-runner.js';
import type { Exit } from '../exit.js';

interface ExecOptions extends CommonOptions {
  sudo?: boolean;
  sudoUser?: string;
}

export function execCommand(exit: Exit): Command {
  const cmd = new Command('exec')
    .description('run a shell command on every selected host, streaming its output as `host | line`')
    .argument('<command...>', 'the command (quote it, or put it after --); run by the login shell')
    .addOption(new Option('--sudo', 'run the command with sudo (password: --ask-pass)').helpGroup('Command:'))
    .addOption(new Option('--sudo-user <user>', 'with sudo, run as this user instead of root (implies --sudo)').helpGroup('Command:'));
  addRunOptions(cmd);
  cmd.addHelpText(
    'after',
    examples([
      'fleet exec "df -h" -i hosts.yaml',
      "fleet exec -l 'web:&prod:!web03' -f 20 'systemctl is-active nginx'",
      'fleet exec -b "uname -r"                      # fold identical output (like clush -b)',
      'fleet exec -H "root@10.0.0.[1-5]:2222" uptime',
      'fleet exec --sudo --ask-pass "apt-get -y upgrade" --batch 25% --max-fail 10%',
      'fleet exec -o json "cat /etc/os-release" | jq \'.hosts[] | {host, ok}\'',
      'fleet exec --out-dir logs/ -- journalctl -u app --since today',
    ]),
  );
  cmd.action(async (words: string[], options: ExecOptions) => {
    const sudo = options.sudoUser !== undefined ? { user: options.sudoUser } : options.sudo === true;
    exit(await runCommand(options, 'exec', (fleet, call) => fleet.exec(words.join(' '), { ...call, sudo })));
  });
  return cmd;
}
