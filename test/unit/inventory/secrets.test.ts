import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadInventory, resolveHostSecrets, resolveSecret, selectHosts } from '../../../src/inventory/index.js';
import { OPTIONS, configErrorAsync, fixture, parse, yaml } from './helpers.js';

describe('secrets', () => {
  it('resolves literals, env vars and files (dropping one trailing newline)', async () => {
    expect(await resolveSecret({ value: 'lit' }, 'h', 'password')).toBe('lit');
    expect(await resolveSecret({ env: 'PW' }, 'h', 'password', { env: { PW: 'from-env' } })).toBe('from-env');
    expect(await resolveSecret({ file: fixture('relative/secrets/app1.pass') }, 'h', 'password')).toBe('s3cret');
  });

  it('names the host, the position and the fix when the env var is unset or empty', async () => {
    const inv = parse(yaml('hosts:', '  web01:', '    passphrase: { env: FLEET_KEY_PASSPHRASE }'));
    const web01 = inv.hosts[0];
    if (!web01) throw new Error('no host');
    const err = await configErrorAsync(
      () => resolveHostSecrets(web01, { env: {} }),
      'hosts.yaml:3:17: host web01: "passphrase" needs environment variable FLEET_KEY_PASSPHRASE, which is not set — export it, or change the secret',
    );
    expect(err.host).toBe('web01');
    expect(err.details).toMatchObject({ file: 'hosts.yaml', line: 3, column: 17 });
    await configErrorAsync(
      () => resolveHostSecrets(web01, { env: { FLEET_KEY_PASSPHRASE: '' } }),
      'hosts.yaml:3:17: host web01: "passphrase" needs environment variable FLEET_KEY_PASSPHRASE, which is empty — export it with the secret, or change the secret',
    );
  });

  it('names the missing file, and only fails for hosts that need it', async () => {
    const file = fixture('relative/hosts.yaml');
    const inv = await loadInventory(file, OPTIONS);
    const [app1] = selectHosts(inv, 'app1');
    const [app2] = selectHosts(inv, 'app2');
    if (!app1 || !app2) throw new Error('hosts missing');
    expect(await resolveHostSecrets(app1)).toEqual({ password: 's3cret' });
    const missing = path.join(path.dirname(file), 'secrets/missing.pass');
    await configErrorAsync(
      () => resolveHostSecrets(app2),
      `${file}:10:17: host app2: "passphrase" file ${missing} does not exist — create it, or point the secret at another file`,
    );
  });

  it('reports an unreadable secret file', async () => {
    await configErrorAsync(
      () => resolveSecret({ file: path.dirname(fixture('relative/hosts.yaml')) }, 'h', 'password'),
      `host h: "password" file ${path.dirname(fixture('relative/hosts.yaml'))} cannot be read (EISDIR) — check that it is a readable file`,
    );
  });
});
