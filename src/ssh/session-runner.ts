import { randomBytes } from 'node:crypto';
import type { ClientChannel } from 'ssh2';
import { leaveChannel, openHelperChannel } from './helper-channel.js';
import { sendSignal } from './channel-signal.js';
import type { ChannelOutput, OpenedChannel } from './exec-channel.js';
import type { SshConnection } from './ssh-connection.js';

/**
 * A shell per held connection that runs the connection's guarded commands, one at a time, on a channel it
 * keeps: a command is then a line written to it, not a channel to open, an exec request and a session that
 * sshd forks, sets up and tears down (on the bench's 200 hosts a round of `true` took 0.6× the held-ssh2
 * floor that way). What Ansible gets from ControlPersist and mitogen from its remote interpreter, with only
 * bash on the host.
 *
 * Each command still runs as `$SHELL -c LINE`, as sshd runs it, with the session's environment, the home
 * directory, stdin from /dev/null, and a process group of its own (`set -m`); the guard (session-guard.ts)
 * still signals it and ends it when the connection goes. Its stdout and stderr are the channel's; after it
 * exits the runner writes an end mark with its status to both, and, as sshd waits for EOF, first waits while
 * a process of its group still holds either (`cmd &` that keeps printing) — a child that left the group
 * (setsid) is not waited for, and what it prints later is dropped, or lands in a later command's output.
 * What differs from a session of its own: the command is not a session leader, its $PPID is the runner, and
 * a command whose own shell a signal kills (`kill -9 $$`) reports 128+N, as a shell reports a child's — the
 * runner's `wait` cannot tell it from `exit 137` (runnerExit).
 *
 * A command is sent as `r N $'…'`: ANSI-C quoting keeps every byte, newlines included, on one line.
 */
function runnerScript(token: string): string {
  return [
    // SHLVL: the command's shell counts itself the first, as under sshd.
    `exec 3>&1 4>&2 2>/dev/null; set -m; SHLVL=0; S=\${SHELL:-/bin/sh}; E=fleet-end-; E=\${E}${token}`,
    // Waits while a process of group $1 holds the channel's stdout or stderr, looking every 0.1 s; EOF on
    // its input (the connection went) ends the wait.
    'h() { local g=$1 q f; while kill -0 -- "-$g"; do for q in /proc/[0-9]*; do read -r f < "$q/stat" || continue; ' +
      'set -- ${f##*) }; [ "$3" = "$g" ] || continue; for f in "$q"/fd/*; do ' +
      '{ [ "$f" -ef /dev/fd/3 ] || [ "$f" -ef /dev/fd/4 ]; } && { read -r -t 0.1 _ || [ $? -gt 128 ] || return; continue 3; }; ' +
      'done; done; return; done; }',
    'r() { "$S" -c "$2" </dev/null >&3 2>&4 3>&- 4>&- & p=$!; wait $p; s=$?; h $p; ' +
      'printf "%s-%s:%s\\n" "$E" "$1" "$s" >&3; printf "%s-%s:%s\\n" "$E" "$1" "$s" >&4; }',
    '[ -n "${BASH_VERSION-}" ] && [ -r /proc/$$/stat ] && echo ready >&3',
    'while IFS= read -r l; do eval "$l"; done',
    '',
  ].join('\n');
}

/** Longer lines go on a channel of their own: bash's `read` takes a pipe one byte per system call. */
const MAX_LINE_BYTES = 16 * 1024;

/** Quotes any string as one bash word on one line: $'…' with every byte outside printable ASCII as \xHH. */
export function ansiCQuote(value: string): string {
  let out = "$'";
  for (const byte of Buffer.from(value, 'utf8')) {
    if (byte === 0x27 || byte === 0x5c) out += `\\${String.fromCharCode(byte)}`;
    else if (byte >= 0x20 && byte < 0x7f) out += String.fromCharCode(byte);
    else out += `\\x${byte.toString(16).padStart(2, '0')}`;
  }
  return `${out}'`;
}

const SIGNALS: Record<number, string> = { 1: 'HUP', 2: 'INT', 3: 'QUIT', 6: 'ABRT', 9: 'KILL', 13: 'PIPE', 14: 'ALRM', 15: 'TERM' };

/**
 * A runner's command reports a shell's status, 128+N when signal N ended it, where sshd would say which
 * signal. A status over 128 of a command fleet stopped (timeout, cancel) is read as the signal it sent;
 * any other status stays the number the shell gave.
 */
export function runnerExit(exit: OpenedChannel['exit'], stopped: boolean): { code: number | null; signal: string | null } {
  const name = exit.code !== null && exit.code > 128 ? SIGNALS[exit.code - 128] : undefined;
  return stopped && name ? { code: null, signal: `SIG${name}` } : { code: exit.code, signal: exit.signal };
}

/** The length of the longest tail of `buf` that is a beginning of `mark` (shorter than all of it). */
function prefixTail(buf: Buffer, mark: Buffer): number {
  for (let k = Math.min(buf.length, mark.length - 1); k > 0; k--) {
    if (buf.subarray(buf.length - k).equals(mark.subarray(0, k))) return k;
  }
  return 0;
}

/** Finds one command's end mark in one stream, passing on what comes before it as it arrives. */
class EndScanner {
  private pending = Buffer.alloc(0);
  status: number | undefined;

  constructor(
    private readonly mark: Buffer,
    private readonly emit: (b: Buffer) => void,
  ) {}

  /** Passes on the command's bytes; sets `status` once its mark and status line arrived (the rest is not its). */
  push(chunk: Buffer): void {
    if (this.status !== undefined) return;
    const buf = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const at = buf.indexOf(this.mark);
    if (at >= 0) {
      const eol = buf.indexOf(0x0a, at + this.mark.length);
      if (eol >= 0) {
        if (at > 0) this.emit(buf.subarray(0, at));
        this.status = Number(buf.subarray(at + this.mark.length, eol).toString('latin1'));
        this.pending = Buffer.alloc(0);
        return;
      }
      if (at > 0) this.emit(buf.subarray(0, at));
      this.pending = Buffer.from(buf.subarray(at));
      return;
    }
    // Keep back only what could be the start of the mark: output goes on as it arrives.
    const keep = prefixTail(buf, this.mark);
    if (buf.length > keep) this.emit(buf.subarray(0, buf.length - keep));
    this.pending = Buffer.from(buf.subarray(buf.length - keep));
  }
}

interface Current {
  out: EndScanner;
  err: EndScanner;
  opened: OpenedChannel;
  done: () => void;
}

export class SessionRunner {
  private readonly token = randomBytes(8).toString('hex');
  /** Set once the runner said it is ready; unset when its channel closes, it was retired or told to leave. */
  private channel: ClientChannel | undefined;
  private readonly opened: Promise<ClientChannel | undefined>;
  private left = false;
  /** It was ready and is gone: given up on (retire), or its shell ended under it; not told to leave. */
  private lost = false;
  private current: Current | undefined;
  private next = 0;
  /** How the runner's shell ended, as sshd told it (before the channel closes). */
  private shellEnd: string | undefined;

  constructor(private readonly conn: SshConnection) {
    this.opened = openHelperChannel(
      conn,
      runnerScript(this.token),
      (channel) => {
        if (this.left) return;
        this.channel = channel;
        channel.on('data', (d: Buffer) => this.data(d, 'out'));
        channel.stderr.on('data', (d: Buffer) => this.data(d, 'err'));
        channel.on('exit', (code: number | null, signal?: string) => {
          this.shellEnd = signal ? `was killed by ${signal}` : `exited with status ${code}`;
        });
      },
      () => this.gone(),
    );
    conn.holdSpareChannel(() => this.quit());
  }

  /** A runner that was in use and is gone, not one the server had no room for: another may take its place. */
  get spent(): boolean {
    return this.lost && !this.left;
  }

  /**
   * Starts `line` if the runner is ready and idle, else undefined (the caller opens a channel). Listeners
   * are bound before the line goes out, as openChannel binds them inside ssh2's callback.
   */
  run(line: string, output: ChannelOutput): OpenedChannel | undefined {
    const channel = this.channel;
    if (!channel || this.current || !channel.writable || Buffer.byteLength(line) > MAX_LINE_BYTES) return undefined;
    const n = ++this.next;
    const exit: OpenedChannel['exit'] = { code: null, signal: null, seen: false };
    let done!: () => void;
    const closed = new Promise<void>((resolve) => (done = resolve));
    const opened: OpenedChannel = { channel: this.facade(channel), exit, closed, viaRunner: true };
    const mark = Buffer.from(`fleet-end-${this.token}-${n}:`);
    this.current = {
      out: new EndScanner(mark, (b) => output.stdout(b)),
      err: new EndScanner(mark, (b) => output.stderr(b)),
      opened,
      done,
    };
    output.opened(opened.channel);
    channel.write(`r ${n} ${ansiCQuote(line)}\n`);
    return opened;
  }

  private data(chunk: Buffer, stream: 'out' | 'err'): void {
    const c = this.current;
    // Output outside a command is what a process that left its command's group printed later: not ours.
    if (!c) return;
    c[stream].push(chunk);
    if (c.out.status === undefined || c.err.status === undefined) return;
    c.opened.exit.code = c.out.status;
    c.opened.exit.seen = true;
    this.current = undefined;
    c.done();
  }

  /**
   * What a command's code may do with its channel here: pause and resume it (flow control); nothing it
   * would do to a channel of its own — end its input, signal it, close it — reaches the shared one, but
   * destroy (a host that never answered a stop), which retires the runner.
   */
  private facade(channel: ClientChannel): ClientChannel {
    const self = {
      pause: () => (channel.pause(), self),
      resume: () => (channel.resume(), self),
      stderr: {
        pause: () => channel.stderr.pause(),
        resume: () => channel.stderr.resume(),
      },
      write: () => true,
      end: () => self,
      close: () => undefined,
      signal: () => true,
      destroy: () => {
        this.retire();
        return self;
      },
    };
    return self as unknown as ClientChannel;
  }

  /**
   * Ends the runner: sshd keeps a session's input open while its process lives, so EOF alone would leave
   * the runner waiting for what holds the output; its process group is the runner alone (`set -m`).
   */
  private retire(): void {
    const channel = this.channel;
    this.channel = undefined;
    if (channel) {
      this.lost = true;
      sendSignal(channel, 'KILL');
      channel.close();
    }
    this.gone();
  }

  /**
   * The channel closed (lost connection, runner killed): a command in flight ends without an exit status; on
   * a connection still up (ssh2 marks it closed before it closes its channels) it says why.
   */
  private gone(): void {
    if (this.channel) this.lost = true;
    this.channel = undefined;
    const c = this.current;
    this.current = undefined;
    if (c && !this.conn.closed) c.opened.runnerEnded = this.shellEnd ?? 'ended';
    c?.done();
  }

  /**
   * Gives the channel back to a server that refused one (low MaxSessions): EOF ends the runner's loop once
   * the command in flight, if any, has ended (its output still arrives).
   */
  private async quit(): Promise<void> {
    this.channel = undefined;
    this.left = true;
    await leaveChannel(await this.opened, (channel) => channel.end());
  }
}
