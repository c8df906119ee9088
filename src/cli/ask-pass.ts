import { UsageError, InterruptedError } from './errors.js';

/**
 * `--ask-pass`: the password is read here and handed to the Fleet as an option, so it only ever lives in
 * this process's memory and in the IPC messages to workers — never in argv, the environment, output or
 * error messages.
 *
 * On a terminal: a prompt on stderr and no echo (raw mode, so not even `*`s give away its length).
 * Otherwise: one line from stdin (`printf '%s\n' "$PW" | fleet exec … --ask-pass`).
 */
export async function askPass(prompt = 'SSH password: '): Promise<string> {
  const stdin = process.stdin;
  const password = stdin.isTTY ? await readHidden(stdin, prompt) : await readLine(stdin);
  stdin.pause();
  if (password === '') throw new UsageError('--ask-pass: no password given');
  return password;
}

function readLine(stdin: NodeJS.ReadStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (value: string) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.off('error', onError);
      resolve(value);
    };
    const onData = (chunk: string) => {
      text += chunk;
      const nl = text.indexOf('\n');
      if (nl !== -1) done(text.slice(0, nl).replace(/\r$/, ''));
    };
    const onEnd = () => done(text.replace(/\r?\n?$/, ''));
    const onError = (err: Error) => reject(new UsageError(`--ask-pass: cannot read stdin: ${err.message}`));
    stdin.setEncoding('utf8');
    stdin.on('data', onData);
    stdin.once('end', onEnd);
    stdin.once('error', onError);
    stdin.resume();
  });
}

function readHidden(stdin: NodeJS.ReadStream, prompt: string): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    process.stderr.write(prompt);
    stdin.setEncoding('utf8');
    stdin.setRawMode(true);
    const finish = (error?: Error) => {
      stdin.setRawMode(false);
      stdin.off('data', onData);
      process.stderr.write('\n');
      if (error) reject(error);
      else resolve(text);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n') return finish();
        if (ch === '\u0003') return finish(new InterruptedError());
        if (ch === '\u0004') {
          if (text === '') return finish(new UsageError('--ask-pass: no password given'));
          return finish();
        }
        if (ch === '\u007f' || ch === '\b') text = [...text].slice(0, -1).join('');
        else if (ch === '\u0015') text = '';
        else if (ch >= ' ') text += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}
