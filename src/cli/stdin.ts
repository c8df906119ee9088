import { open } from 'node:fs/promises';
import { UsageError } from './errors.js';

/**
 * What exec and script send to every host's command on its stdin, as clush does and pssh -I: the CLI's own
 * stdin when it is not a terminal, or --stdin FILE. It is read whole, once, before the first host starts,
 * and each host gets the same bytes followed by EOF.
 *
 * Bounded at 4 MiB: every host's task carries its own copy to its worker, so 4 MiB is already 800 MiB of IPC
 * for 200 hosts. A file worth more is a file to `fleet put`.
 */
export const STDIN_LIMIT = 4 * 1024 * 1024;

const TOO_BIG = `is larger than ${STDIN_LIMIT / 1024 / 1024} MiB — upload it with fleet put and read it from there`;

async function readAll(stream: AsyncIterable<Buffer | string>, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
    size += buf.length;
    if (size > STDIN_LIMIT) throw new UsageError(`${what} ${TOO_BIG}`);
    chunks.push(buf);
  }
  return Buffer.concat(chunks);
}

async function readFileBounded(file: string): Promise<Buffer> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    throw new UsageError(`--stdin ${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  try {
    return await readAll(handle.createReadStream({ autoClose: false }), `--stdin ${file}`);
  } catch (err) {
    if (err instanceof UsageError) throw err;
    throw new UsageError(`--stdin ${file}: ${(err as Error).message}`);
  } finally {
    await handle.close();
  }
}

export interface StdinChoice {
  /** --stdin FILE gives the file; --no-stdin gives false. */
  stdin?: string | boolean;
  /** --ask-pass on a non-terminal stdin: that stdin held the password, not data for the hosts. */
  askPass?: boolean;
}

/** The bytes for the hosts' stdin, or undefined for none (a terminal, --no-stdin, nothing piped). */
export async function readCommandStdin(choice: StdinChoice, stdin: NodeJS.ReadStream = process.stdin): Promise<Buffer | undefined> {
  if (choice.stdin === false) return undefined;
  const data =
    typeof choice.stdin === 'string'
      ? await readFileBounded(choice.stdin)
      : stdin.isTTY || choice.askPass
        ? undefined
        : await readAll(stdin, 'stdin');
  return data === undefined || data.length === 0 ? undefined : data;
}
