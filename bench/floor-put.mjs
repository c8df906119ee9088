// The floor for put: one Node process, ssh2's sftp fastPut to every host — the one-process baseline that
// fleet's workers must beat by sharing encryption across cores.
// Usage: node bench/floor-put.mjs <hosts.json> <file> <remote> [hosts at once] [chunk bytes] [requests per file]
// Without the last two, fastPut keeps its own defaults (64 requests of 32 KiB in flight).
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import ssh2 from 'ssh2';

const [file, local, remote, concurrency = '64', chunkSize, requests] = process.argv.slice(2);
const { hosts, key } = JSON.parse(readFileSync(file, 'utf8'));
const privateKey = readFileSync(key);
const limit = pLimit(Number(concurrency));
const tuning = chunkSize && requests ? { chunkSize: Number(chunkSize), concurrency: Number(requests) } : {};

function put(h) {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', reject);
    c.on('ready', () =>
      c.sftp((err, sftp) => {
        if (err) return reject(err);
        sftp.fastPut(local, remote, tuning, (e) => {
          c.end();
          return e ? reject(e) : resolve();
        });
      }),
    );
    c.connect({ host: h.address, port: h.port, username: h.user, privateKey, readyTimeout: 30_000 });
  });
}

await Promise.all(hosts.map((h) => limit(() => put(h))));
