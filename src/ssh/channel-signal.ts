import type { ClientChannel } from 'ssh2';

interface ChannelInternals {
  outgoing?: { id: number; state: string };
  _client?: { _protocol?: { signal(id: number, name: string): void } };
}

/**
 * Sends a `signal` channel request. ssh2's own `channel.signal()` drops it silently once our side sent EOF
 * (`writable` false, outgoing state 'eof') — and we always send EOF, so a command never waits for stdin. RFC 4254 allows channel
 * requests after EOF and sshd honours them (it killpg()s the session), so we go to the protocol directly.
 */
export function sendSignal(channel: ClientChannel, name: 'TERM' | 'KILL' | 'INT' | 'HUP'): void {
  const internals = channel as unknown as ChannelInternals;
  const protocol = internals._client?._protocol;
  const state = internals.outgoing?.state;
  if ((state === 'open' || state === 'eof') && protocol) protocol.signal(internals.outgoing!.id, name);
  else channel.signal(name);
}
