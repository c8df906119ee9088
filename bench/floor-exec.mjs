// The floor for exec: one Node process driving ssh2 directly — no pool, no IPC, no inventory, no host-key
// bookkeeping. Usage: node bench/floor-exec.mjs <hosts.json> <command> [concurrency]
import { readFileSync } from 'node:fs';
import pLimit from 'p-limit';
import ssh2 from 'ssh2';

const [file, command, concurrency = '64'] = process.argv.slice(2);
const { hosts, key } = JSON.parse(readFileSync(file, 'utf8'));
const privateKey = readFileSync(key);
const limit = pLimit(Number(concurrency));

function run(h) {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', reject);
    c.on('ready', () =>
      c.exec(command, (err, ch) => {
        if (err) return reject(err);
        let out = 0;
        ch.on('data', (d) => (out += d.length));
        ch.stderr.on('data', () => undefined);
        ch.on('close', (code) => {
          c.end();
          resolve({ code, out });
        });
      }),
    );
    c.connect({ host: h.address, port: h.port, username: h.user, privateKey, readyTimeout: 30_000 });
  });
}

const results = await Promise.all(hosts.map((h) => limit(() => run(h))));
const failed = results.filter((r) => r.code !== 0).length;
if (failed) {
  console.error(`floor: ${failed} hosts failed`);
  process.exit(1);
}
