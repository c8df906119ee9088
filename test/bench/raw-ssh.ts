import ssh2, { type ConnectConfig } from 'ssh2';

export interface RawResult {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs one command over plain ssh2, no fleet code involved: the bench's own tests must not depend on the
 * layer they exist to test.
 */
export function rawExec(config: ConnectConfig, command: string): Promise<RawResult> {
  return new Promise((resolve, reject) => {
    const client = new ssh2.Client();
    client.on('error', reject);
    client.on('ready', () => {
      client.exec(command, (err, channel) => {
        if (err) return reject(err);
        let stdout = '';
        let stderr = '';
        channel.on('data', (d: Buffer) => (stdout += d.toString()));
        channel.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
        channel.on('close', (code: number | null) => {
          client.end();
          resolve({ stdout, stderr, code });
        });
      });
    });
    client.connect({ readyTimeout: 10_000, ...config });
  });
}
