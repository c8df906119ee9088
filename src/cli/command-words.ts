import { Command, type ParseOptionsResult } from 'commander';

/**
 * exec and script take a command line as it is typed: `fleet exec -l web uname -r` runs `uname -r`. Once
 * the first word of the command has come, an option fleet does not know belongs to the command (commander's
 * allowUnknownOption keeps it, in place, in the arguments) while fleet's own options are still fleet's
 * anywhere, so `fleet exec "df -h" -i hosts.yaml` keeps working. An unknown option *before* the command is
 * still a usage error with a suggestion. `--` ends fleet's options.
 *
 * The price: a command word that is also a fleet option (`ls -l`, `grep -h`) is taken by fleet. The words
 * fleet took after the command began are remembered, so that when the run then fails on the command line
 * (exit 2) the message says to use `--`.
 */
export class CommandWords extends Command {
  /** fleet options found after the command's first word, as typed (`-l`). */
  lateOptions: string[] = [];

  override parseOptions(args: string[]): ParseOptionsResult {
    const parsed = super.parseOptions(args);
    const first = parsed.unknown[0];
    // Before any command word, an unknown option is a mistake: let commander report it (with its suggestion).
    const misplaced = parsed.operands.length === 0 && first !== undefined && first !== '--' && first.startsWith('-');
    this.allowUnknownOption(!misplaced);
    // A command typed as one quoted string (`"df -h" -i hosts.yaml`) is the documented way to put fleet's
    // options after it; only a command typed as words can have lost one of them to fleet.
    const word = parsed.operands[0];
    this.lateOptions = misplaced || word === undefined || /\s/.test(word) ? [] : this.fleetOptionsAfter(args, word);
    return parsed;
  }

  /** The hint for a usage error, or undefined when no fleet option followed the command's first word. */
  collisionHint(): string | undefined {
    if (this.lateOptions.length === 0) return undefined;
    const flags = [...new Set(this.lateOptions)].join(', ');
    return (
      `${flags} after the command ${this.lateOptions.length === 1 ? 'was' : 'were'} read as fleet's own option${this.lateOptions.length === 1 ? '' : 's'}; ` +
      `if meant for the command, put the command after --: fleet ${this.name()} [options] -- <command words>`
    );
  }

  private fleetOptionsAfter(args: readonly string[], firstWord: string): string[] {
    const end = args.indexOf('--');
    const words = args.slice(0, end === -1 ? undefined : end);
    const start = words.indexOf(firstWord);
    if (start === -1) return [];
    const known = [...this.options.flatMap((o) => [o.short, o.long]), '-h', '--help'].filter((f): f is string => f !== undefined);
    return words.slice(start + 1).flatMap((w) => {
      const flag = w.startsWith('--') ? w.split('=')[0]! : w.slice(0, 2);
      return w.startsWith('-') && known.includes(flag) ? [flag] : [];
    });
  }
}
