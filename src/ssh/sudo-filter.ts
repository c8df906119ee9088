export interface SudoFilterHandlers {
  /** sudo printed its prompt; `count` > 1 means the password given before was refused. */
  onPrompt: (count: number) => void;
  /** sudo let the command run: stdin now belongs to it. */
  onAuthenticated: () => void;
  stdout: (chunk: Buffer) => void;
  stderr: (chunk: Buffer) => void;
}

/**
 * Watches a sudo'ed command's streams until sudo is past authentication: removes sudo's prompt (stderr) and
 * our marker line (stdout) so neither shows up in the output, and tells the caller when to send the password.
 */
export class SudoFilter {
  private authenticated = false;
  private heldOut = Buffer.alloc(0);
  private heldErr = Buffer.alloc(0);
  private prompts = 0;
  private readonly prompt: Buffer;
  private readonly markerLine: Buffer;

  constructor(
    prompt: string,
    marker: string,
    private readonly handlers: SudoFilterHandlers,
  ) {
    this.prompt = Buffer.from(prompt);
    this.markerLine = Buffer.from(`${marker}\n`);
  }

  stdout(chunk: Buffer): void {
    if (this.authenticated) return this.handlers.stdout(chunk);
    this.heldOut = Buffer.concat([this.heldOut, chunk]);
    const at = this.heldOut.indexOf(this.markerLine);
    if (at < 0) return;
    const before = this.heldOut.subarray(0, at);
    const after = this.heldOut.subarray(at + this.markerLine.length);
    this.heldOut = Buffer.alloc(0);
    this.authenticated = true;
    this.handlers.onAuthenticated();
    this.flushHeld(before);
    if (after.length) this.handlers.stdout(after);
  }

  stderr(chunk: Buffer): void {
    if (this.authenticated) return this.handlers.stderr(chunk);
    this.heldErr = Buffer.concat([this.heldErr, chunk]);
    for (let at = this.heldErr.indexOf(this.prompt); at >= 0; at = this.heldErr.indexOf(this.prompt)) {
      this.heldErr = Buffer.concat([this.heldErr.subarray(0, at), this.heldErr.subarray(at + this.prompt.length)]);
      this.handlers.onPrompt(++this.prompts);
    }
  }

  /** Hands on whatever is still held (a command that ended before sudo let it run: its messages matter). */
  flush(): void {
    this.flushHeld(this.heldOut);
    this.heldOut = Buffer.alloc(0);
  }

  private flushHeld(out: Buffer): void {
    if (out.length) this.handlers.stdout(out);
    if (this.heldErr.length) this.handlers.stderr(this.heldErr);
    this.heldErr = Buffer.alloc(0);
  }
}
