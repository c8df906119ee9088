import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { brokerDir, checkBrokerDir, checkBrokerSocket, ensureBrokerDir, socketPath } from '../../../src/broker/socket-path.js';

const made: string[] = [];
const temp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-broker-'));
  made.push(dir);
  return dir;
};
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('the broker socket directory', () => {
  it('is $XDG_RUNTIME_DIR/fleet, else ~/.fleet', () => {
    expect(brokerDir({ XDG_RUNTIME_DIR: '/run/user/1000' })).toBe('/run/user/1000/fleet');
    expect(brokerDir({})).toMatch(/\/\.fleet$/);
    expect(socketPath('/run/user/1000/fleet')).toBe('/run/user/1000/fleet/broker.sock');
  });

  it('is created 0700 when missing', () => {
    const dir = join(temp(), 'fleet');
    ensureBrokerDir(dir);
    expect(() => checkBrokerDir(dir)).not.toThrow();
  });

  it('is refused when group or others may enter it', () => {
    const dir = join(temp(), 'fleet');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    expect(() => ensureBrokerDir(dir)).toThrow(/open to other users \(mode 0755\)/);
    chmodSync(dir, 0o710);
    expect(() => checkBrokerDir(dir)).toThrow(/mode 0710/);
  });

  it('is refused when it is not a directory', () => {
    const file = join(temp(), 'fleet');
    writeFileSync(file, '');
    expect(() => checkBrokerDir(file)).toThrow(/not a directory/);
  });

  it('holds a socket that must be private and a socket', async () => {
    const dir = ensureBrokerDir(join(temp(), 'fleet'));
    const path = socketPath(dir);
    writeFileSync(path, '');
    expect(() => checkBrokerSocket(path)).toThrow(/not a socket/);
    rmSync(path);
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(path, resolve));
    try {
      chmodSync(path, 0o666);
      expect(() => checkBrokerSocket(path)).toThrow(/open to other users/);
      chmodSync(path, 0o600);
      expect(() => checkBrokerSocket(path)).not.toThrow();
    } finally {
      server.close();
    }
  });
});
