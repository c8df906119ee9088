import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploy } from '../../examples/deploy.js';
import { startBench, type Bench } from '../bench/hosts.js';
import { writeInventory } from './support.js';

function tarball(dir: string, version: string): string {
  const src = join(dir, `src-${version}`);
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'VERSION'), `${version}\n`);
  const out = join(dir, `app-${version}.tgz`);
  execFileSync('tar', ['-czf', out, '-C', src, '.']);
  return out;
}

describe('examples/deploy.ts against 4 real hosts', () => {
  let bench: Bench;
  let inventory: string;
  beforeAll(async () => {
    bench = await startBench(4);
    inventory = writeInventory(bench).file;
    for (const h of bench.hosts) await h.exec('mkdir -p /opt/app && chown fleet:fleet /opt/app');
  });
  afterAll(async () => {
    await bench?.stop();
  });

  it('deploys, restarts with sudo, and rolls back the host whose health check fails', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-deploy-'));
    const plan = {
      inventory,
      appDir: '/opt/app',
      // The "service": restarting records which release it now serves, as root.
      restart: 'cat /opt/app/current/VERSION > /var/local/app.serving',
      healthCheck: 'test ! -e /etc/app-broken',
    };
    const first = await deploy({ ...plan, tarball: tarball(dir, 'v1'), release: 'v1' });
    expect(first).toEqual({ deployed: ['h01', 'h02', 'h03', 'h04'], rolledBack: [], untouched: [] });

    await bench.hosts[2]!.exec('touch /etc/app-broken');
    const second = await deploy({ ...plan, tarball: tarball(dir, 'v2'), release: 'v2' });
    expect(second).toEqual({ deployed: ['h01', 'h02', 'h04'], rolledBack: ['h03'], untouched: [] });

    for (const h of bench.hosts) {
      const serving = (await h.exec('cat /var/local/app.serving')).stdout.trim();
      const owner = (await h.exec('stat -c %U /var/local/app.serving')).stdout.trim();
      expect(serving).toBe(h.name === 'h03' ? 'v1' : 'v2');
      expect(owner).toBe('root');
    }
  });
});
