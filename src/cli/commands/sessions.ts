import { Command, Option } from 'commander';
import { brokerSessions, stopBroker, type HeldSessionInfo } from '../../fleet/broker-admin.js';
import { EXIT } from '../render/index.js';
import { formatElapsed } from '../render/duration.js';
import { examples } from '../options.js';
import { Terminal } from '../terminal.js';
import type { Exit } from '../exit.js';

interface SessionsOptions {
  output: 'text' | 'json';
  stop?: boolean;
}

/** `web01  deploy  via bastion  age 2m 10s  idle 4.0 s  busy`, columns aligned. */
export function formatSessions(sessions: readonly HeldSessionInfo[], now: number): string {
  const rows = [['HOST', 'USER', 'VIA', 'AGE', 'IDLE', 'BUSY']].concat(
    sessions.map((s) => [s.host, s.user, s.via ?? '-', formatElapsed(now - s.openedAt), formatElapsed(now - s.lastUsed), s.busy ? 'yes' : 'no']),
  );
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n') + '\n';
}

export function sessionsCommand(exit: Exit): Command {
  const cmd = new Command('sessions').description('list the SSH sessions the --persist broker holds; --stop ends them and the broker');
  cmd.addOption(new Option('--stop', 'log out of every held session and end the broker'));
  cmd.addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text').helpGroup('Output:'));
  cmd.addHelpText('after', examples(['fleet sessions', 'fleet sessions -o json', 'fleet sessions --stop']));
  cmd.action(async (options: SessionsOptions) => {
    const terminal = new Terminal({ progress: false });
    try {
      if (options.stop) {
        const stopped = await stopBroker();
        if (options.output === 'json') await terminal.stdout(`${JSON.stringify({ stopped })}\n`);
        else terminal.message(stopped ? 'broker stopped, sessions closed' : 'no broker running');
      } else {
        const held = await brokerSessions();
        const sessions = held?.sessions ?? [];
        if (options.output === 'json') await terminal.stdout(`${JSON.stringify({ broker: held?.pid ?? null, sessions }, null, 2)}\n`);
        else if (!held) terminal.message('no broker running (fleet exec --persist 10m … starts one)');
        else await terminal.stdout(formatSessions(sessions, Date.now()));
      }
    } finally {
      await terminal.flush();
    }
    exit(EXIT.OK);
  });
  return cmd;
}
