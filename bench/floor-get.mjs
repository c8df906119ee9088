// The floor for get: one Node process, ssh2's sftp fastGet from every host into <dir>/<n>.bin.
// Usage: node bench/floor-get.mjs <hosts.json> <remote> <local dir> [hosts at once] [chunk bytes] [requests per file]
// Without the last two, fastGet keeps its own defaults (64 requests of 32 KiB in flight).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import pLimit from 'p-limit';
import ssh2 from 'ssh2';

const [file, remote, dir, concurrency = '64', chunkSize, requests] = process.argv.slice(2);
const { hosts, key } = JSON.parse(readFileSync(file, 'utf8'));
const privateKey = readFileSync(key);
const limit = pLimit(Number(concurrency));
const tuning = chunkSize && requests ? { chunkSize: Number(chunkSize), concurrency: Number(requests) } : {};

function get(h, i) {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', reject);
    c.on('ready', () =>
      c.sftp((err, sftp) => {
        if (err) return reject(err);
        sftp.fastGet(remote, join(dir, `${i}.bin`), tuning, (e) => {
          c.end();
          return e ? reject(e) : resolve();
        });
      }),
    );
    c.connect({ host: h.address, port: h.port, username: h.user, privateKey, readyTimeout: 30_000 });
  });
}

await Promise.all(hosts.map((h, i) => limit(() => get(h, i))));
