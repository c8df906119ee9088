import ssh2 from 'ssh2';

/**
 * Connects far enough to see the host key the server presents, then hangs up before authenticating.
 * Rejects if the server cannot be reached within `timeoutMs`.
 */
export function presentedHostKey(address: string, port: number, timeoutMs = 5_000): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    let key: Buffer | undefined;
    client.on('error', (err) => (key ? resolve(key) : reject(err)));
    client.on('close', () => (key ? resolve(key) : reject(new Error(`${address}:${port} closed before its host key`))));
    client.connect({
      host: address,
      port,
      username: 'probe',
      readyTimeout: timeoutMs,
      hostVerifier: (k: Buffer) => {
        key = k;
        resolve(k);
        return false;
      },
    });
  });
}
