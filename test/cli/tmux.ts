import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv, sleep, tempDir } from './support.js';

/** POSIX shell quoting. */
export const sh = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/**
 * A real pseudo-terminal: a detached tmux session of 120×40 on a private server socket, running one shell
 * command. Its exit code is kept in a file; the pane stays open afterwards so the screen can be read.
 */
export class TmuxSession {
  private readonly socket = `fleet-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
  private readonly rcFile = join(tempDir('fleet-tmux-'), 'rc');

  constructor(command: string, env: NodeJS.ProcessEnv = {}) {
    try {
      execFileSync('tmux', ['-V']);
    } catch {
      throw new Error('tmux is needed for the terminal tests: apt-get install -y tmux (.ci/run installs it)');
    }
    const script = `${command}; echo $? > ${sh(this.rcFile)}; sleep 600`;
    this.tmux(['-f', '/dev/null', 'new-session', '-d', '-x', '120', '-y', '40', script], env);
  }

  private tmux(args: string[], env: NodeJS.ProcessEnv = {}): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8', env: cleanEnv(env) });
  }

  /** The screen as tmux holds it, with colour attributes as SGR escapes (`capture-pane -e`). */
  screen(): string {
    return this.tmux(['capture-pane', '-p', '-e']);
  }

  keys(...keys: string[]): void {
    this.tmux(['send-keys', ...keys]);
  }

  /** Polls the screen until it matches; returns that screen. */
  async waitForScreen(pattern: RegExp, timeoutMs = 20_000): Promise<string> {
    const end = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < end) {
      last = this.screen();
      if (pattern.test(last)) return last;
      await sleep(50);
    }
    throw new Error(`the terminal never showed ${pattern}; it shows:\n${last}`);
  }

  /** Waits for the command to end; returns its exit code. */
  async exitCode(timeoutMs = 30_000): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      if (existsSync(this.rcFile)) {
        const text = readFileSync(this.rcFile, 'utf8');
        if (text.endsWith('\n')) return Number(text.trim());
      }
      await sleep(50);
    }
    throw new Error(`the command in tmux did not end within ${timeoutMs} ms; the terminal shows:\n${this.screen()}`);
  }

  kill(): void {
    try {
      this.tmux(['kill-server']);
    } catch {
      // already gone
    }
  }
}

/** SGR colour escapes (foreground 30–37, 90–97), as the CLI writes them and tmux reproduces them. */
export const COLOUR = /\x1b\[(3[0-7]|9[0-7])m/;
