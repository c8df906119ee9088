import type { ClientChannel } from 'ssh2';
import type { SshConnection } from './ssh-connection.js';

/**
 * fleet's own long-lived channels on a held connection (the session guard, the runner): a shell script that
 * prints `ready` once it found what it needs on the host. `ready` is called then with the channel; `gone`
 * when the channel closes or fails. Settles with the channel once it is open (undefined if refused), ready
 * or not, so that leaving can wait for it.
 */
export function openHelperChannel(
  conn: SshConnection,
  script: string,
  ready: (channel: ClientChannel) => void,
  gone: () => void,
): Promise<ClientChannel | undefined> {
  return new Promise((resolve) =>
    conn.client.exec(script, (err, channel) => {
      if (err) return resolve(undefined);
      let said = '';
      const listen = (b: Buffer) => {
        said += b.toString('latin1');
        if (!said.includes('\n')) return;
        channel.off('data', listen);
        if (said.startsWith('ready\n')) ready(channel);
      };
      channel.on('data', listen);
      channel.on('close', gone);
      // A channel error with no listener would crash the process; the helper is then simply not used.
      channel.on('error', gone);
      resolve(channel);
    }),
  );
}

/**
 * Asks a helper channel to end, by `ask`, and waits until the server closed it — at most 2 s: a host that
 * does not answer must not hold up the command that waits for the channel to be free.
 */
export function leaveChannel(channel: ClientChannel | undefined, ask: (channel: ClientChannel) => void): Promise<void> {
  if (!channel || channel.destroyed) return Promise.resolve();
  return new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, 2_000);
    channel.once('close', () => {
      clearTimeout(timer);
      resolve();
    });
    ask(channel);
  });
}
