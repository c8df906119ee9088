import type { Command } from 'commander';
import { examples } from '../options.js';
import { CommandWords } from '../command-words.js';
import type { Exit } from '../exit.js';
import { addHostCommandOptions, runHostCommand, type HostCommandOptions } from '../host-command.js';

export function execCommand(exit: Exit): Command {
  const cmd = new CommandWords('exec')
    .description('run a shell command on every selected host, streaming its output as `host | line`')
    .argument('<command...>', 'the command, quoted or as words (see below); run by the login shell');
  addHostCommandOptions(
    cmd,
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
  cmd.action((words: string[], options: HostCommandOptions) =>
    runHostCommand(exit, options, (fleet, call) => fleet.exec(words.join(' '), call)),
  );
  return cmd;
}
