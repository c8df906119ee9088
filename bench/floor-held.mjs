// The held-session floor: one Node process, one ssh2 connection per host opened once and reused for every
// step, as a paramiko or Fabric script holds its clients. Usage:
//   node bench/floor-held.mjs <hosts.json> exec <rounds>          rounds of `true` on every host
//                                 (FLOOR_COMMAND: another command line, e.g. fleet's wrapped `true`)
//   node bench/floor-held.mjs <hosts.json> deploy <payload>       put it, 3 execs, get it back
//   node bench/floor-held.mjs <hosts.json> round <n>              connect, one warm round, then prints the
//                                                                 times of n rounds of `true` (JSON)
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pLimit from 'p-limit';
import ssh2 from 'ssh2';

const [file, shape, arg] = process.argv.slice(2);
const { hosts, key } = JSON.parse(readFileSync(file, 'utf8'));
const privateKey = readFileSync(key);
const limit = pLimit(64);

function open(h) {
  return new Promise((resolve, reject) => {
    const c = new ssh2.Client();
    c.on('error', reject);
    c.on('ready', () => resolve(c));
    c.connect({ host: h.address, port: h.port, username: h.user, privateKey, readyTimeout: 30_000 });
  });
}

function exec(c, command) {
  return new Promise((resolve, reject) =>
    c.exec(command, (err, ch) => {
      if (err) return reject(err);
      ch.on('data', () => undefined);
      ch.stderr.on('data', () => undefined);
      ch.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`exit ${code}`))));
    }),
  );
}

const sftpOf = (c) => new Promise((resolve, reject) => c.sftp((err, s) => (err ? reject(err) : resolve(s))));
const call = (fn) => new Promise((resolve, reject) => fn((err) => (err ? reject(err) : resolve())));
const each = (fn) => Promise.all(conns.map((c, i) => limit(() => fn(c, i))));

const conns = await Promise.all(hosts.map((h) => limit(() => open(h))));
if (shape === 'exec') {
  const command = process.env.FLOOR_COMMAND ?? 'true';
  for (let round = 0; round < Number(arg ?? 5); round++) await each((c) => exec(c, command));
} else if (shape === 'round') {
  const command = process.env.FLOOR_COMMAND ?? 'true';
  await each((c) => exec(c, command));
  const rounds = [];
  for (let i = 0; i < Number(arg ?? 5); i++) {
    const started = performance.now();
    await each((c) => exec(c, command));
    rounds.push(Math.round(performance.now() - started));
  }
  console.log(JSON.stringify({ rounds }));
} else if (shape === 'deploy') {
  const sftps = await each((c) => sftpOf(c));
  const back = mkdtempSync(join(tmpdir(), 'floor-held-'));
  await each((_, i) => call((cb) => sftps[i].fastPut(arg, '/tmp/payload.bin', cb)));
  for (const command of ['true', 'sha256sum /tmp/payload.bin', 'true']) await each((c) => exec(c, command));
  await each((_, i) => call((cb) => sftps[i].fastGet('/tmp/payload.bin', join(back, `payload-${i}.bin`), cb)));
} else {
  throw new Error(`unknown shape ${shape}`);
}
for (const c of conns) c.end();
