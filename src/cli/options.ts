import { InvalidArgumentError, Option, type Command } from 'commander';
import { BATCH_HINT, isSensibleBatch, MAX_FAIL_HINT, parseBatchSpec, parseMaxFailPercent } from '../core/batch-spec.js';
import { DURATION_HINT, tryParseDuration } from '../core/duration.js';

/**
 * Every option that more than one command takes (DESIGN.md §4), defined once: flags, help text, parsing
 * and validation. Values are checked here, at parse time, so a bad `-t 5x` is a usage error (exit 2)
 * before any host is touched.
 */

export type OutputFormat = 'text' | 'json' | 'ndjson';

/** Which hosts: -i, -l, -H. */
export interface TargetOptions {
  inventory?: string;
  limit?: string;
  hosts?: string;
  user?: string;
  port?: number;
  /** -F FILE, or false from --no-ssh-config. */
  sshConfig?: string | false;
  knownHosts?: string;
}

/** How to reach them and how a run flows. */
export interface RunOptions extends TargetOptions {
  forks?: number;
  workers?: number;
  timeout?: string;
  connectTimeout?: string;
  deadline?: string;
  identity?: string[];
  askPass?: boolean;
  strictHostKeys?: boolean;
  forwardAgent?: boolean;
  retry?: number;
  failFast?: boolean;
  batch?: string;
  maxFail?: string;
  /** --persist: run through the session broker, which holds the sessions this long once idle. */
  persist?: string;
  /** --queue / $FLEET_QUEUE: run through fleet agents (NATS JetStream). */
  queue?: string;
  queueBatch?: number;
}

/** What the output looks like. */
export interface OutputOptions {
  output: OutputFormat;
  gather?: boolean;
  outDir?: string;
  progress: boolean;
  color?: boolean;
}

export type CommonOptions = RunOptions & OutputOptions;

function integer(min: number, what: string): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) {
      throw new InvalidArgumentError(`give ${what} (a whole number${min > 0 ? ` ≥ ${min}` : ''}).`);
    }
    return n;
  };
}

function port(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || n < 1 || n > 65535) throw new InvalidArgumentError('give a port from 1 to 65535.');
  return n;
}

function duration(value: string): string {
  if (tryParseDuration(value, { bareNumber: 'seconds' }) === undefined) throw new InvalidArgumentError(`give ${DURATION_HINT}.`);
  return value;
}

function batch(value: string): string {
  const spec = parseBatchSpec(value);
  if (!spec || !isSensibleBatch(spec)) throw new InvalidArgumentError(`give ${BATCH_HINT}.`);
  return value.trim();
}

function percent(value: string): string {
  if (parseMaxFailPercent(value) === undefined) throw new InvalidArgumentError(`give ${MAX_FAIL_HINT}.`);
  return value.trim();
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `0644`, `644`, `0o644` → 420. */
export function fileMode(value: string): number {
  const m = /^(?:0o?)?([0-7]{3,4})$/.exec(value.trim());
  if (!m) throw new InvalidArgumentError('give an octal file mode such as 0644.');
  return parseInt(m[1]!, 8);
}

/** `512K`, `2M`, `2MiB`, `1048576` → bytes; K and M are binary, as in scp and rsync. 4K to 64M. */
export function byteSize(value: string): number {
  const m = /^(\d+)\s*(?:([kKmM])(?:i?[bB])?)?$/.exec(value.trim());
  const bytes = m ? Number(m[1]) * (m[2] === undefined ? 1 : /k/i.test(m[2]) ? 1024 : 1024 ** 2) : NaN;
  if (!(bytes >= 4096 && bytes <= 64 * 1024 ** 2)) throw new InvalidArgumentError('give a size from 4K to 64M, such as 512K or 2M.');
  return bytes;
}

/** --window for put and get: how much of each file may be on the wire at once. */
export function windowOption(): Option {
  return new Option('--window <size>', 'SFTP data in flight per file, fixed (default: start at 512K, grow to 4M while a long link rewards it)')
    .argParser(byteSize)
    .helpGroup('Transfer:');
}

const TARGET = 'Hosts:';
const CONNECTION = 'Connection:';
const FLOW = 'Run:';
const OUTPUT = 'Output:';

function option(cmd: Command, group: string, opt: Option): void {
  cmd.addOption(opt.helpGroup(group));
}

/** -i, -l, -H, -u: every command, `hosts` included. */
export function addTargetOptions(cmd: Command): Command {
  option(cmd, TARGET, new Option('-i, --inventory <file>', 'inventory: fleet or Ansible YAML, Ansible INI, or an executable (dynamic inventory); default $FLEET_INVENTORY, ./inventory.yaml, ./fleet.yaml'));
  option(cmd, TARGET, new Option('-l, --limit <pattern>', "select hosts: group, host, glob, range, ~regex, group[0]; ':' or ',' joins, '&' intersects, '!' excludes"));
  option(
    cmd,
    TARGET,
    new Option('-H, --hosts <list>', "hosts without an inventory: '[user@]host[:port]', comma separated, ranges allowed").conflicts(
      'inventory',
    ),
  );
  option(cmd, CONNECTION, new Option('-u, --user <user>', 'log in as this user on every host'));
  option(cmd, CONNECTION, new Option('-p, --port <port>', 'connect to this port on every host (jump hosts keep theirs)').argParser(port));
  option(cmd, CONNECTION, new Option('-F, --ssh-config <file>', 'OpenSSH client config to read instead of ~/.ssh/config and /etc/ssh/ssh_config'));
  option(cmd, CONNECTION, new Option('--no-ssh-config', 'read no OpenSSH client config at all'));
  option(cmd, CONNECTION, new Option('--known-hosts <file>', 'known_hosts file for every host of the run (default: inventory, ssh_config, ~/.ssh/known_hosts)'));
  return cmd;
}

/** Everything a command that reaches hosts takes (exec, put, get, ping). */
export function addRunOptions(cmd: Command): Command {
  addTargetOptions(cmd);
  option(cmd, CONNECTION, new Option('-k, --identity <file>', 'private key to log in with (repeatable)').argParser(collect));
  option(cmd, CONNECTION, new Option('--ask-pass', 'prompt once for the SSH (and sudo) password; reads one line from stdin when it is not a terminal'));
  option(cmd, CONNECTION, new Option('--strict-host-keys', 'refuse hosts whose key is not already in known_hosts'));
  option(cmd, CONNECTION, new Option('-A, --forward-agent', 'forward the ssh-agent to the hosts (like ssh -A)'));
  option(cmd, CONNECTION, new Option('--connect-timeout <duration>', 'give up connecting after this long (default: inventory, else 10s)').argParser(duration));
  option(cmd, CONNECTION, new Option('--retry <n>', 'try hosts whose connection failed again, up to n times').argParser(integer(0, 'a number of retries')));

  option(cmd, FLOW, new Option('-f, --forks <n>', 'hosts at once, at most (default: 64)').argParser(integer(1, 'a number of hosts')));
  option(cmd, FLOW, new Option('-w, --workers <n>', 'worker processes; 0 runs hosts inside this process (default: by run kind and size)').argParser(integer(0, 'a number of processes')));
  option(cmd, FLOW, new Option('-t, --timeout <duration>', 'per host command or transfer time limit (default: none; a dead host is caught by --connect-timeout and keepalives)').argParser(duration));
  option(cmd, FLOW, new Option('--deadline <duration>', 'the whole run ends by then; unfinished hosts are reported as timed out').argParser(duration));
  option(cmd, FLOW, new Option('--batch <n|n%>', 'rolling batches: start the next batch of hosts when one has ended').argParser(batch));
  option(cmd, FLOW, new Option('--max-fail <n%>', 'start no new batch once more than this share of hosts failed').argParser(percent));
  option(cmd, FLOW, new Option('--persist <duration>', 'keep the SSH sessions in a background broker for later runs until idle this long, like ssh ControlPersist (also $FLEET_PERSIST; `fleet sessions` lists them)').argParser(duration));
  option(cmd, FLOW, new Option('--queue <url>', QUEUE_HELP).env('FLEET_QUEUE'));
  option(cmd, FLOW, new Option('--queue-batch <n>', 'with --queue: hosts per published batch (default: hosts/16, 1 to 256)').argParser(integer(1, 'a number of hosts')));
  option(cmd, FLOW, new Option('--fail-fast', 'start no new hosts after the first failure (running hosts finish)').conflicts('maxFail'));

  option(cmd, OUTPUT, new Option('-o, --output <format>', 'json: one document at the end; ndjson: one event per line as it happens').choices(['text', 'json', 'ndjson']).default('text'));
  option(cmd, OUTPUT, new Option('-b, --gather', 'fold identical output of hosts into one block at the end (like clush -b)'));
  option(cmd, OUTPUT, new Option('--out-dir <dir>', 'also write each host\'s output to <dir>/<host>.out and <dir>/<host>.err'));
  option(cmd, OUTPUT, new Option('--no-progress', 'no progress line (it is only ever shown on a terminal)'));
  option(cmd, OUTPUT, new Option('--color', 'colour even when not writing to a terminal'));
  option(cmd, OUTPUT, new Option('--no-color', 'no colour (as does the NO_COLOR environment variable)'));
  return cmd;
}

/** Secrets and the queue, said where the flag is. */
export const QUEUE_HELP =
  'run the hosts on `fleet agent`s through NATS JetStream (nats://host:port; env FLEET_QUEUE). Secrets are ' +
  'resolved by each agent ({ env: }, { file: }, keys, its ssh-agent); a literal or prompted one (inventory ' +
  'password, --ask-pass) is refused unless the URL is tls:// with credentials';

/** exec and script: what the hosts' commands read on stdin (see stdin.ts). */
export interface StdinOptions {
  stdin?: string | boolean;
}

export function addStdinOptions(cmd: Command): Command {
  option(cmd, 'Command:', new Option('--stdin <file>', "send this file to every host's command on its stdin (up to 4 MiB)"));
  option(cmd, 'Command:', new Option('--no-stdin', "send nothing on stdin, even when fleet's own stdin is a pipe (like ssh -n)"));
  return cmd;
}

/** The --help paragraph of exec and script on how their words are read. */
export const COMMAND_WORDS_HELP = `
How the command is read:
  Options fleet does not know, after the command's first word, belong to the command:
  \`fleet exec -l web uname -r\` runs \`uname -r\`. fleet's own options work anywhere
  (\`fleet exec "df -h" -i hosts.yaml\`); where a command word is also one of them (ls -l,
  grep -h), put the command after --: \`fleet exec -l web -- ls -l /tmp\`.
  {host}, {address}, {port}, {user} and the host's inventory variables are filled in per host,
  shell-quoted; {{name}} is a literal {name}. Only a bare name in braces is a placeholder, so \${HOME},
  {a,b}, {} and awk '{print $1}' pass as typed; an unknown name is an error before anything runs.
  When fleet's stdin is a pipe or a file, it is read once (up to 4 MiB) and sent to every host;
  fleet waits for it to end, so give --no-stdin where stdin is a pipe nobody closes (like ssh -n).
`;

/** Appended to a command's --help. */
export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n`;
}
