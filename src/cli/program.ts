import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { FleetError } from '../core/errors.js';
import { EXIT } from './render/index.js';
import { agentCommand } from './commands/agent.js';
import { execCommand } from './commands/exec.js';
import { getCommand } from './commands/get.js';
import { hostsCommand } from './commands/hosts.js';
import { pingCommand } from './commands/ping.js';
import { putCommand } from './commands/put.js';
import { scriptCommand } from './commands/script.js';
import { sessionsCommand } from './commands/sessions.js';
import { CommandWords } from './command-words.js';
import { EXIT_BROKEN_PIPE, stdoutBroken, watchBrokenPipe } from './broken-pipe.js';
import { InterruptedError, UsageError } from './errors.js';
import type { Exit } from './exit.js';
import { examples } from './options.js';

function version(): string {
  // dist/cli/program.js and src/cli/program.ts both sit two levels below the package root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function createProgram(exit: Exit): Command {
  const program = new Command('fleet')
    .description('Run commands and move files over SSH on many hosts at once.')
    .version(version(), '-V, --version', 'print the version')
    .helpOption('-h, --help', 'show help (fleet <command> --help for a command)')
    .showSuggestionAfterError(true)
    .showHelpAfterError('(add --help for usage)')
    // fleet's top-level options (-V, -h) only before the command: `fleet exec ls -V` is ls's -V.
    .enablePositionalOptions()
    .exitOverride();
  for (const make of [execCommand, scriptCommand, putCommand, getCommand, hostsCommand, pingCommand, sessionsCommand, agentCommand]) {
    program.addCommand(make(exit).copyInheritedSettings(program));
  }
  program.addHelpText(
    'after',
    examples([
      'fleet exec "df -h" -i hosts.yaml',
      'fleet exec -l web uname -r',
      'fleet script ./check.sh ARG -l web',
      'fleet put ./app.tgz /tmp/ -l web',
      'fleet get /etc/os-release ./facts',
      'fleet hosts -l prod',
      'fleet ping -H "root@10.0.0.[1-5]"',
      'fleet exec --persist 10m uptime -l web   # later runs reuse the sessions',
    ]) +
      '\nExit codes: 0 all ok · 1 a command or transfer failed or timed out · 2 usage or inventory error ·\n' +
      '            3 a host was unreachable (connect failed or timed out, auth or host key refused) ·\n' +
      '            130/143/129 interrupted by SIGINT/SIGTERM/SIGHUP\n',
  );
  return program;
}

/** Says what went wrong (commander has already said it for its own errors) and picks the exit code. */
function exitCodeOf(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
  if (err instanceof InterruptedError) return err.exitCode;
  if (err instanceof UsageError || (err instanceof FleetError && err.code === 'CONFIG')) {
    process.stderr.write(`fleet: ${err.message}\n`);
    return EXIT.USAGE;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`fleet: ${message}\n`);
  if (process.env.FLEET_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
  return EXIT.FAILED;
}

/** `fleet exec ls -l /tmp` fails on -l's value: say that -l was fleet's and how to give it to ls. */
function collisionHint(program: Command): void {
  for (const cmd of program.commands) {
    const hint = cmd instanceof CommandWords ? cmd.collisionHint() : undefined;
    if (hint !== undefined) process.stderr.write(`fleet: ${hint}\n`);
  }
}

export async function main(argv: readonly string[]): Promise<never> {
  watchBrokenPipe();
  let code: number = EXIT.OK;
  const program = createProgram((c) => (code = c));
  try {
    await program.parseAsync([...argv]);
  } catch (err) {
    code = exitCodeOf(err);
    if (code === EXIT.USAGE || (err instanceof CommanderError && err.code === 'commander.helpDisplayed')) collisionHint(program);
  }
  process.exit(stdoutBroken() ? EXIT_BROKEN_PIPE : code);
}
