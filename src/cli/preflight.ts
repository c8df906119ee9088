import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import { UsageError } from './errors.js';

/**
 * Mistakes that are on this machine are found on this machine, before the first connection: a local file
 * to upload that is not there, a directory without -r, a key given with -k that cannot be read. Each is a
 * usage error (exit 2) that names the path and the fix, instead of the same failure once per host.
 */

function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  return err instanceof Error ? err.message : String(err);
}

/** `fleet put` sources: each must exist and be readable; a directory needs -r. */
export async function checkUploadSources(sources: readonly string[], recursive: boolean): Promise<void> {
  for (const source of sources) {
    let isDirectory: boolean;
    try {
      isDirectory = (await stat(source)).isDirectory();
      await access(source, constants.R_OK);
    } catch (err) {
      throw new UsageError(`put: ${source}: ${reason(err)}`);
    }
    if (isDirectory && !recursive) throw new UsageError(`put: ${source} is a directory — add -r to upload it and everything in it`);
  }
}

/**
 * -k files: given on the command line, they are meant to be used, so one that cannot be read is a mistake
 * (an inventory's list of identity files is tried in order, like OpenSSH's, and is left to each host).
 */
export async function checkIdentityFiles(files: readonly string[] | undefined): Promise<void> {
  for (const file of files ?? []) {
    try {
      if ((await stat(file)).isDirectory()) throw Object.assign(new Error('is a directory, not a key file'), { code: 'EISDIR' });
      await access(file, constants.R_OK);
    } catch (err) {
      throw new UsageError(`-k ${file}: ${reason(err)} — give a private key file this user can read`);
    }
  }
}

/** `fleet script FILE`: the script must be there before stdin is read or any host is touched. */
export async function checkScriptFile(file: string): Promise<void> {
  try {
    if ((await stat(file)).isDirectory()) throw Object.assign(new Error('is a directory, not a script'), { code: 'EISDIR' });
    await access(file, constants.R_OK);
  } catch (err) {
    throw new UsageError(`script ${file}: ${reason(err)}`);
  }
}
