import { describe, expect, it } from 'vitest';
import { AbortError, AuthError, ConnectError, HostKeyError } from '../../../src/core/errors.js';
import {
  backoffMs,
  ConnectClock,
  DroppedBeforeBanner,
  FIRST_BACKOFF_MS,
  isDropBeforeBanner,
  MAX_BACKOFF_MS,
  retryDropsBeforeBanner,
} from '../../../src/ssh/connect-retry.js';

const drop = () =>
  new DroppedBeforeBanner(
    new ConnectError('h1: connection to 127.0.0.1:22 failed: Connection lost before handshake', {
      host: 'h1',
      reason: 'other',
      cause: new Error('Connection lost before handshake'),
    }),
  );

/** An attempt that fails with the given errors in turn, then succeeds; counts its calls. */
function script(errors: Error[]) {
  const calls = { n: 0 };
  const attempt = async () => {
    const err = errors[calls.n++];
    if (err) throw err;
    return 'connected';
  };
  return { attempt, calls };
}

describe('connect retry on drops before the banner', () => {
  it('classifies only ssh2\'s pre-banner loss and socket resets as drops', () => {
    expect(isDropBeforeBanner(new Error('Connection lost before handshake'))).toBe(true);
    expect(isDropBeforeBanner(Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isDropBeforeBanner(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))).toBe(false);
    expect(isDropBeforeBanner(new Error('All configured authentication methods failed'))).toBe(false);
  });

  it('back-off: random up to a doubling ceiling, capped', () => {
    expect(backoffMs(0, () => 1)).toBe(FIRST_BACKOFF_MS);
    expect(backoffMs(3, () => 1)).toBe(FIRST_BACKOFF_MS * 8);
    expect(backoffMs(20, () => 1)).toBe(MAX_BACKOFF_MS);
    expect(backoffMs(2, () => 0.5)).toBe(FIRST_BACKOFF_MS * 2);
    expect(backoffMs(2, () => 0)).toBeGreaterThan(0);
  });

  it('retries drops until an attempt gets in', async () => {
    const { attempt, calls } = script([drop(), drop(), drop()]);
    const r = await retryDropsBeforeBanner(attempt, { host: 'h1', where: '127.0.0.1:22', clock: new ConnectClock(10_000) });
    expect(r).toBe('connected');
    expect(calls.n).toBe(4);
  });

  it('never retries an auth or host-key refusal, or any other connect failure', async () => {
    for (const err of [
      new AuthError('h1: authentication as u failed', { host: 'h1' }),
      new HostKeyError('h1: host key changed', { host: 'h1' }),
      new ConnectError('h1: connection refused', { host: 'h1', reason: 'refused' }),
    ]) {
      const { attempt, calls } = script([err]);
      await expect(retryDropsBeforeBanner(attempt, { host: 'h1', where: 'x', clock: new ConnectClock(10_000) })).rejects.toBe(err);
      expect(calls.n).toBe(1);
    }
  });

  it('when drops outlast the budget: a throttled ConnectError naming MaxStartups and -f', async () => {
    const { attempt, calls } = script(Array.from({ length: 1_000 }, drop));
    const err = await retryDropsBeforeBanner(attempt, { host: 'h1', where: '127.0.0.1:22', clock: new ConnectClock(400) }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConnectError);
    expect((err as ConnectError).details).toMatchObject({ reason: 'throttled', phase: 'connect', timeoutMs: 400 });
    expect((err as Error).message).toMatch(/^h1: 127\.0\.0\.1:22 dropped the connection before the SSH banner \d+ times/);
    expect((err as Error).message).toContain('(last: Connection lost before handshake)');
    expect((err as Error).message).toContain('sshd MaxStartups');
    expect((err as Error).message).toContain('lower -f/--forks');
    expect(calls.n).toBeGreaterThan(1);
  });

  it('a timeout after drops is reported as the throttling it is', async () => {
    const timeout = new ConnectError('h1: timed out after 400 ms connecting', { host: 'h1', reason: 'timeout' });
    const { attempt } = script([drop(), timeout]);
    const err = await retryDropsBeforeBanner(attempt, { host: 'h1', where: 'x', clock: new ConnectClock(10_000) }).catch((e: unknown) => e);
    expect((err as ConnectError).details.reason).toBe('throttled');
  });

  it('a cancel during the back-off ends the wait with AbortError', async () => {
    const ac = new AbortController();
    const { attempt } = script(Array.from({ length: 1_000 }, drop));
    setTimeout(() => ac.abort(), 20);
    await expect(
      retryDropsBeforeBanner(attempt, { host: 'h1', where: 'x', clock: new ConnectClock(60_000), signal: ac.signal }),
    ).rejects.toBeInstanceOf(AbortError);
  });

  it('the clock does not count paused (local) time', async () => {
    const clock = new ConnectClock(1_000);
    clock.pause();
    await new Promise((res) => setTimeout(res, 300));
    expect(clock.usedMs()).toBeLessThan(150);
    clock.resume();
    expect(clock.remainingMs()).toBeGreaterThan(850);
  });
});
