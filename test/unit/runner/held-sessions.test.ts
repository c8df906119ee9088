import { describe, expect, it } from 'vitest';
import type { SshConnection } from '../../../src/ssh/connect.js';
import { HeldSessions } from '../../../src/runner/worker/held-sessions.js';
import { sessionKey } from '../../../src/runner/worker/session-key.js';
import type { HostTarget } from '../../../src/runner/transport/task.js';

const warn = (): void => undefined;
const target = (host: string, extra: Partial<HostTarget> = {}): HostTarget => ({ host, address: '127.0.0.1', port: 22, user: 'u', ...extra });

const closeOrder: string[] = [];

/** The bookkeeping of HeldSessions only: what it needs of a connection (real ones are tested against sshd). */
class Conn {
  closed = false;
  lost = undefined;
  private listeners: (() => void)[] = [];
  constructor(readonly host: string, readonly via?: Conn) {}
  onClose(l: () => void) {
    this.listeners.push(l);
    return () => undefined;
  }
  async close() {
    closeOrder.push(`${this.host} starts`);
    await new Promise((r) => setImmediate(r));
    closeOrder.push(`${this.host} ends`);
    this.die();
  }
  die() {
    if (this.closed) return;
    this.closed = true;
    for (const l of this.listeners) l();
  }
}

function holder(options: { keep?: boolean; maxHeld?: number; idleMs?: number } = {}) {
  const opened: Conn[] = [];
  const sessions = new HeldSessions(
    async (t, jump) => {
      const c = new Conn(t.host, jump as unknown as Conn | undefined);
      opened.push(c);
      return c as unknown as SshConnection;
    },
    { keep: options.keep ?? true, maxHeld: options.maxHeld ?? 100, ...(options.idleMs !== undefined ? { idleMs: options.idleMs } : {}) },
  );
  return { sessions, opened, signal: new AbortController().signal };
}

describe('sessionKey', () => {
  it('differs by every setting that makes a session differ, and never holds a secret', () => {
    const base = target('a', { password: 'hunter2' });
    const keys = [
      base,
      { ...base, port: 2222 },
      { ...base, user: 'v' },
      { ...base, address: '127.0.0.2' },
      { ...base, password: 'other' },
      { ...base, identityFiles: ['/k'] },
      { ...base, hostKeyPolicy: 'strict' as const },
      { ...base, knownHostsFile: '/kh' },
      { ...base, agent: true },
      { ...base, jump: target('bastion') },
      { ...base, jump: target('bastion', { user: 'x' }) },
    ].map(sessionKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys.join('')).not.toContain('hunter2');
    expect(sessionKey({ ...base })).toBe(keys[0]);
  });
});

describe('HeldSessions', () => {
  it('reuses a held session, and replaces one found dead', async () => {
    const { sessions, opened, signal } = holder();
    const a = await sessions.acquire(target('a'), signal, warn);
    await a.release();
    const again = await sessions.acquire(target('a'), signal, warn);
    expect(again.reused).toBe(true);
    expect(opened).toHaveLength(1);
    await again.release();
    opened[0]!.die();
    const fresh = await sessions.acquire(target('a'), signal, warn);
    expect(fresh.reused).toBe(false);
    expect(opened).toHaveLength(2);
  });

  it('opens one jump session for every target behind it, and holds it while any target is held', async () => {
    const { sessions, opened, signal } = holder({ keep: false });
    const jump = target('bastion');
    const leases = await Promise.all(['a', 'b', 'c'].map((h) => sessions.acquire(target(h, { jump }), signal, warn)));
    expect(opened.filter((c) => c.host === 'bastion')).toHaveLength(1);
    expect(opened.filter((c) => c.host !== 'bastion').every((c) => c.via === opened.find((o) => o.host === 'bastion'))).toBe(true);
    for (const l of leases) await l.release();
    // keep: false closes the targets; the jump stays for the next target behind it.
    expect(opened.filter((c) => c.host !== 'bastion').every((c) => c.closed)).toBe(true);
    expect(opened.find((c) => c.host === 'bastion')!.closed).toBe(false);
    await sessions.closeAll();
    expect(opened.every((c) => c.closed)).toBe(true);
  });

  it('a dead jump takes its targets with it and is reopened once for the next', async () => {
    const { sessions, opened, signal } = holder();
    const jump = target('bastion');
    for (const h of ['a', 'b']) await (await sessions.acquire(target(h, { jump }), signal, warn)).release();
    const bastion = opened.find((c) => c.host === 'bastion')!;
    bastion.die();
    for (const c of opened) if (c.via === bastion) c.die();
    for (const h of ['a', 'b']) expect((await sessions.acquire(target(h, { jump }), signal, warn)).reused).toBe(false);
    expect(opened.filter((c) => c.host === 'bastion')).toHaveLength(2);
  });

  it('shutdown ends the targets before it starts on the jump they ride on', async () => {
    const { sessions, signal } = holder();
    const jump = target('bastion');
    for (const h of ['a', 'b']) await (await sessions.acquire(target(h, { jump }), signal, warn)).release();
    closeOrder.length = 0;
    await sessions.closeAll();
    expect(closeOrder).toEqual(['a starts', 'b starts', 'a ends', 'b ends', 'bastion starts', 'bastion ends']);
  });

  it('closes idle sessions beyond the bound, least recently used first', async () => {
    const { sessions, opened, signal } = holder({ maxHeld: 2 });
    for (const h of ['a', 'b', 'c']) await (await sessions.acquire(target(h), signal, warn)).release();
    expect(sessions.size).toBe(2);
    expect(opened.map((c) => c.closed)).toEqual([true, false, false]);
  });

  it('closes a session idle for idleMs', async () => {
    const { sessions, opened, signal } = holder({ idleMs: 20 });
    await (await sessions.acquire(target('a'), signal, warn)).release();
    await new Promise((r) => setTimeout(r, 60));
    expect(opened[0]!.closed).toBe(true);
    expect(sessions.size).toBe(0);
  });
});

describe('HeldSessions.list (what `fleet sessions` shows)', () => {
  it('names each held session, its jump host, and whether a task uses it, without secrets', async () => {
    const { sessions, opened, signal } = holder();
    const bastion = target('bastion', { password: 'hunter2' });
    const a = await sessions.acquire(target('a', { jump: bastion }), signal, warn);
    const b = await sessions.acquire(target('b', { password: 'hunter2' }), signal, warn);
    await b.release();
    const listed = sessions.list().sort((x, y) => x.host.localeCompare(y.host));
    expect(listed.map((s) => [s.host, s.user, s.via, s.busy])).toEqual([
      ['a', 'u', 'bastion', true],
      ['b', 'u', undefined, false],
      ['bastion', 'u', undefined, false],
    ]);
    for (const s of listed) expect(s.openedAt).toBeLessThanOrEqual(s.lastUsed + 1);
    expect(JSON.stringify(listed)).not.toContain('hunter2');
    // A session the server closed is not shown as held.
    opened.find((c) => c.host === 'b')!.die();
    expect(sessions.list().map((s) => s.host)).not.toContain('b');
    await a.release();
  });
});
