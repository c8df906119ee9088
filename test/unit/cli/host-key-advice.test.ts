import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { createProgram } from '../../../src/cli/program.js';
import { HostKeyError } from '../../../src/core/errors.js';
import { verifyHostKey } from '../../../src/ssh/host-key-verifier.js';
import { makeKey } from '../ssh/keys.js';

const dirs: string[] = [];
afterAll(async () => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

function longOptions(cmd: Command): string[] {
  return cmd.options.flatMap((o) => (o.long ? [o.long, o.long.replace(/^--no-/, '--')] : []));
}

describe('the strict-policy refusal gives advice that works (defect 10c)', () => {
  it('names only CLI options that exist, and the inventory key and ssh-keyscan line that accept the key', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fleet-advice-'));
    dirs.push(dir);
    const file = join(dir, 'known_hosts');
    const key = makeKey();
    const err = await verifyHostKey({ host: 'web03', address: '127.0.2.3', port: 2222, knownHostsFile: file, policy: 'strict' }, key.blob).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(HostKeyError);
    const message = (err as Error).message;
    expect(message).toContain('set hostKeyPolicy: accept-new for the host in the inventory');
    expect(message).toContain(`ssh-keyscan -p 2222 -t ed25519 127.0.2.3 >> ${file}`);

    const program = createProgram(() => undefined);
    const named = message.match(/--[a-z][a-z-]*/g) ?? [];
    expect(named).toEqual(['--strict-host-keys']);
    for (const sub of ['exec', 'put', 'get', 'ping']) {
      const cmd = program.commands.find((c) => c.name() === sub)!;
      for (const flag of named) expect(longOptions(cmd)).toContain(flag);
    }
  });
});
