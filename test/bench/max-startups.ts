import { connect as tcpConnect, type Socket } from 'node:net';
import type { BenchHost } from './hosts.js';

/**
 * MaxStartups is one of the sshd_config keywords where the last value wins, so the bench's `sshdOptions`
 * (placed first) cannot override the image's generous default: rewrite it in place and have sshd re-read it.
 */
export async function setMaxStartups(h: BenchHost, value: string): Promise<void> {
  const listening = async () => ((await h.logs()).match(/Server listening on/g) ?? []).length;
  const before = await listening();
  const r = await h.exec(
    `sed -i 's/^MaxStartups .*/MaxStartups ${value}/' /etc/ssh/fleet_sshd_0.conf && ` +
      `/usr/sbin/sshd -T -f /etc/ssh/fleet_sshd_0.conf | grep -i '^maxstartups ' && kill -HUP "$(cat /run/sshd_0.pid)"`,
  );
  if (r.stdout.trim() !== `maxstartups ${value}`) throw new Error(`sshd did not take MaxStartups ${value}: ${r.stdout}${r.stderr}`);
  // After SIGHUP sshd re-executes itself and binds its address again.
  for (let i = 0; (await listening()) <= before; i++) {
    if (i > 100) throw new Error('sshd did not come back after SIGHUP');
    await new Promise((res) => setTimeout(res, 50));
  }
}

/** TCP connections that never say anything: sshd counts each as an unauthenticated startup until LoginGraceTime. */
export async function holdStartups(h: BenchHost, count: number): Promise<Socket[]> {
  return Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Socket>((resolve, reject) => {
          const s = tcpConnect(h.port, h.address, () => resolve(s));
          s.on('error', reject);
        }),
    ),
  );
}
