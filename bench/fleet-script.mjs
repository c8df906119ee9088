// A deploy script as a library user writes it, against the built package (dist/), for the held-session
// rows. Usage:
//   node bench/fleet-script.mjs <inventory> exec <rounds>      rounds of `true` on one Fleet
//   node bench/fleet-script.mjs <inventory> deploy <payload>   put it, 3 execs, get it back
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [inventory, shape, arg] = process.argv.slice(2);
const { Fleet } = await import(process.env.BENCH_DIST ?? '../dist/lib/fleet.js');
const fleet = await Fleet.fromInventory(inventory);
const check = (report, what) => {
  if (!report.ok) throw new Error(`${what}: ${report.failed.map((r) => `${r.host}: ${r.error?.message}`).join('; ')}`);
};
try {
  if (shape === 'exec') {
    for (let round = 0; round < Number(arg ?? 5); round++) check(await fleet.exec('true'), `exec ${round}`);
  } else if (shape === 'deploy') {
    check(await fleet.put(arg, '/tmp/payload.bin'), 'put');
    for (const command of ['true', 'sha256sum /tmp/payload.bin', 'true']) check(await fleet.exec(command), command);
    check(await fleet.get('/tmp/payload.bin', mkdtempSync(join(tmpdir(), 'fleet-script-'))), 'get');
  } else {
    throw new Error(`unknown shape ${shape}`);
  }
} finally {
  await fleet.close();
}
