import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Bench, BenchHost } from '../bench/hosts.js';
import { alive, countOnHosts, localProcessesWith, processesMatching, until } from '../bench/remote-processes.js';
import { CLI, closeCliBench, ROOT, openCliBench, runCli, startCli, summaryOf, tempDir } from './support.js';
import { delta, logins } from '../bench/logins.js';

const liveSessions = (hosts: readonly BenchHost[]) => countOnHosts(hosts, "pgrep -c -f '^sshd: fleet \\[priv\\]'");

/** The brokers started with this runtime dir: the machine's own are not touched. */
const brokersOf = (runtime: string) => localProcessesWith('broker.cjs', `XDG_RUNTIME_DIR=${runtime}`);

describe('fleet --persist: the session broker, against 3 real sshd', () => {
  let bench: Bench;
  let inv: string;
  // A runtime dir of this test file: readable by others (0755) so the refusal below comes from fleet's 0700.
  const runtime = tempDir('fleet-xdg-');
  chmodSync(runtime, 0o755);
  const env = { XDG_RUNTIME_DIR: runtime, FLEET_PERSIST: '' };
  const fleet = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { env: { ...env, ...extra } });
  const brokerPid = async (): Promise<number | null> => (JSON.parse((await fleet(['sessions', '-o', 'json'])).stdout) as { broker: number | null }).broker;

  beforeAll(async () => ({ bench, inv } = await openCliBench(3)), 300_000);
  afterEach(async () => {
    await fleet(['sessions', '--stop']);
    for (const pid of brokersOf(runtime)) process.kill(pid, 'SIGKILL');
  });
  afterAll(async () => {
    for (const pid of brokersOf(runtime)) process.kill(pid, 'SIGKILL');
    await closeCliBench(bench);
  });

  it('two runs cost one login per host; output and exit code are those of a plain run', async () => {
    const plain = await fleet(['exec', 'echo hi from {host}', '-i', inv]);
    const before = await logins(bench.hosts);
    const first = await fleet(['exec', 'echo hi from {host}', '-i', inv, '--persist', '1m']);
    const second = await fleet(['exec', 'echo hi from {host}', '-i', inv], { FLEET_PERSIST: '1m' });
    expect(delta(await logins(bench.hosts), before)).toEqual([1, 1, 1]);
    for (const r of [first, second]) {
      expect(r.code).toBe(0);
      expect(r.stdout.split('\n').sort()).toEqual(plain.stdout.split('\n').sort());
      expect(summaryOf(r.stderr)).toEqual(summaryOf(plain.stderr));
    }
    const failed = await fleet(['exec', 'exit 3', '-i', inv, '--persist', '1m', '-o', 'json']);
    expect(failed.code).toBe(1);
    expect((JSON.parse(failed.stdout) as { summary: { failed: number } }).summary.failed).toBe(3);
  });

  it("between runs the broker starts each host's runner, so the next run's commands already run on it", async () => {
    expect((await fleet(['exec', 'true', '-i', inv, '--persist', '1m'])).code).toBe(0);
    // Seen on the hosts: the runner's shell (its script starts `exec 3>&1 4>&2`), one per host, with no run going on.
    const runners = () => processesMatching(bench.hosts, '^[^ ]*sh -c exec 3>&1 4>&2');
    expect(await until(async () => (await runners()) === 3)).toBe(true);
    const second = await fleet(['exec', "tr '\\0' ' ' < /proc/$PPID/cmdline", '-i', inv, '--persist', '1m', '-o', 'json']);
    expect(second.code).toBe(0);
    const results = (JSON.parse(second.stdout) as { hosts: { host: string; stdout: string }[] }).hosts;
    expect(results.map((r) => r.host).sort()).toEqual(['h01', 'h02', 'h03']);
    // Its parent is the runner, not sshd: the command took no session of its own.
    for (const r of results) expect(r.stdout).toContain('fleet-end-');
    expect(await runners()).toBe(3);
  });

  it('persist: in the inventory runs through the broker as --persist does; --persist 0 wins over it', async () => {
    // Beside the bench's inventory, so its relative paths (keys, known_hosts) still resolve.
    const keyed = join(dirname(inv), 'persist.yaml');
    writeFileSync(keyed, `persist: 1m\n${readFileSync(inv, 'utf8')}`, { mode: 0o600 });
    const before = await logins(bench.hosts);
    for (let i = 0; i < 2; i++) expect((await fleet(['exec', 'true', '-i', keyed])).code).toBe(0);
    expect(delta(await logins(bench.hosts), before)).toEqual([1, 1, 1]);
    expect(await brokerPid()).not.toBeNull();
    const held = await logins(bench.hosts);
    expect((await fleet(['exec', 'true', '-i', keyed, '--persist', '0'])).code).toBe(0);
    expect(delta(await logins(bench.hosts), held)).toEqual([1, 1, 1]);
  });

  it('an inventory edited between two runs is read afresh; a broken one fails with file:line, cold or warm', async () => {
    const edited = join(dirname(inv), 'edited.yaml');
    const text = readFileSync(inv, 'utf8');
    writeFileSync(edited, text, { mode: 0o600 });
    const names = async () => (JSON.parse((await fleet(['exec', 'true', '-i', edited, '--persist', '1m', '-o', 'json'])).stdout) as { hosts: { host: string }[] }).hosts.map((h) => h.host);
    expect(await names()).toEqual(['h01', 'h02', 'h03']);
    writeFileSync(edited, text.replace(/^(\s*)h03:/m, '$1h03x:'));
    expect(await names()).toEqual(['h01', 'h02', 'h03x']);
    writeFileSync(edited, 'hosts:\n  a: { address: 127.0.0.1\n');
    for (const warm of [true, false]) {
      if (!warm) await fleet(['sessions', '--stop']);
      const r = await fleet(['exec', 'true', '-i', edited, '--persist', '1m']);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`${edited}:3:1: YAML syntax error`);
    }
  });

  it('a run through the broker does not load ssh2 in the CLI: the broker alone speaks SSH', async () => {
    const dir = tempDir();
    const marker = join(dir, 'ssh2-loaded');
    const hook = join(dir, 'hook.cjs');
    writeFileSync(
      hook,
      `const M = require('node:module'); const load = M._load;
       M._load = function (request, ...rest) {
         if (request === 'ssh2') require('node:fs').appendFileSync(${JSON.stringify(marker)}, process.pid + '\\n');
         return load.call(this, request, ...rest);
       };`,
    );
    expect((await fleet(['ping', '-i', inv, '--persist', '1m'])).code).toBe(0);
    const traced = { NODE_OPTIONS: `--require ${hook}` };
    expect((await fleet(['exec', 'true', '-i', inv, '--persist', '1m'], traced)).code).toBe(0);
    expect(existsSync(marker)).toBe(false);
    // The hook does see ssh2 where the CLI runs the hosts itself.
    expect((await fleet(['exec', 'true', '-i', inv], traced)).code).toBe(0);
    expect(existsSync(marker)).toBe(true);
  });

  it('fleet sessions lists what is held; --stop ends every session and the broker', async () => {
    await fleet(['ping', '-i', inv, '--persist', '1m']);
    const text = await fleet(['sessions']);
    expect(text.stdout).toMatch(/^HOST\s+USER\s+VIA\s+AGE\s+IDLE\s+BUSY$/m);
    expect(text.stdout).toMatch(/^h01\s+fleet\s+-\s+\S+ s\s+\S+ s\s+no$/m);
    const doc = JSON.parse((await fleet(['sessions', '-o', 'json'])).stdout) as { broker: number; sessions: { host: string; busy: boolean }[] };
    expect(doc.sessions.map((s) => s.host).sort()).toEqual(['h01', 'h02', 'h03']);
    expect(await liveSessions(bench.hosts)).toBe(3);
    const stop = await fleet(['sessions', '--stop']);
    expect(stop.stderr).toContain('broker stopped');
    expect(await until(() => !alive(doc.broker), 3_000)).toBe(true);
    expect(await until(async () => (await liveSessions(bench.hosts)) === 0)).toBe(true);
    expect((await fleet(['sessions', '-o', 'json'])).stdout).toContain('"broker": null');
  });

  it('idle for the persist time, the broker logs out and exits', async () => {
    expect((await fleet(['exec', 'true', '-i', inv, '--persist', '2s'])).code).toBe(0);
    const pid = (await brokerPid())!;
    expect(alive(pid)).toBe(true);
    expect(await until(() => !alive(pid), 10_000)).toBe(true);
    expect(await until(async () => (await liveSessions(bench.hosts)) === 0)).toBe(true);
  });

  it('`| cat` returns as soon as the run ends: the broker holds no pipe', () => {
    const started = performance.now();
    const r = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" exec --persist 5m true -i "${inv}" | cat`], {
      env: { ...process.env, ...env },
      timeout: 30_000,
      encoding: 'utf8',
    });
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(0);
    expect(performance.now() - started).toBeLessThan(15_000);
    expect(brokersOf(runtime)).toHaveLength(1);
  });

  it('`| head -1` cutting a chatty run short: exit 141, and the next runs on the same sessions still end', async () => {
    for (let i = 0; i < 2; i++) expect((await fleet(['exec', 'true', '-i', inv, '--persist', '5m'])).code).toBe(0);
    const cut = spawnSync('bash', ['-c', `"${process.execPath}" "${CLI}" exec --persist 5m 'yes | head -c 50000000' -i "${inv}" | head -1; exit \${PIPESTATUS[0]}`], {
      env: { ...process.env, ...env },
      timeout: 60_000,
      encoding: 'utf8',
    });
    expect(cut.error).toBeUndefined();
    expect(cut.status).toBe(141);
    expect(cut.stdout).toMatch(/^h0\d \| y\n$/);
    // Before, the output that arrived after that run had given up on its hosts kept the broker's worker
    // out of credit, and every later run paused on its first output.
    for (let i = 0; i < 3; i++) {
      const next = await fleet(['exec', 'echo ok', '-i', inv, '--persist', '5m', '--deadline', '20s']);
      expect(next.code).toBe(0);
      expect(next.stdout.match(/\| ok$/gm)).toHaveLength(3);
    }
  });

  it('the socket is refused to another user, and a socket directory others may enter is refused', async () => {
    await fleet(['ping', '-i', inv, '--persist', '1m']);
    const sock = join(runtime, 'fleet', 'broker.sock');
    const probe = `require('node:net').connect(${JSON.stringify(sock)}).on('connect', () => { console.log('CONNECTED'); process.exit(0) }).on('error', (e) => { console.log(e.code); process.exit(0) })`;
    const asNobody = spawnSync('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, '-e', probe], { encoding: 'utf8' });
    expect(asNobody.stdout.trim()).toBe('EACCES');
    const asMe = spawnSync(process.execPath, ['-e', probe], { encoding: 'utf8' });
    expect(asMe.stdout.trim()).toBe('CONNECTED');

    const open = tempDir('fleet-xdg-open-');
    mkdirSync(join(open, 'fleet'), { mode: 0o755 });
    chmodSync(join(open, 'fleet'), 0o755);
    const refused = await runCli(['exec', 'true', '-i', inv, '--persist', '1m'], { env: { XDG_RUNTIME_DIR: open } });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/broker directory .* is open to other users \(mode 0755\)/);
    expect(brokersOf(open)).toEqual([]);
  });

  it('Ctrl-C through the broker ends the remote commands, exit 130, every host reported', async () => {
    const cli = startCli(['exec', 'echo started; sleep 243', '-i', inv, '--persist', '1m', '-o', 'ndjson'], { env });
    await cli.waitFor(/("line":"started"[^\n]*\n[^]*){3}/);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code).toBe(130);
    const ends = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string }).filter((e) => e.type === 'end');
    expect(ends.map((e) => e.host).sort()).toEqual(['h01', 'h02', 'h03']);
    expect(await until(async () => (await processesMatching(bench.hosts, '^sleep 243$')) === 0, 5_000)).toBe(true);
    // The sessions are still held for the next run.
    expect((await fleet(['exec', 'true', '-i', inv, '--persist', '1m'])).code).toBe(0);
  });

  it('kill -9 of the broker mid-run reports every host exactly once; the next run starts a new broker', async () => {
    const cli = startCli(['exec', 'echo started; sleep 244', '-i', inv, '--persist', '1m', '-o', 'ndjson'], { env });
    await cli.waitFor(/("line":"started"[^\n]*\n[^]*){3}/);
    const [pid] = brokersOf(runtime);
    process.kill(pid!, 'SIGKILL');
    const r = await cli.done;
    expect(r.code).toBe(1);
    const events = r.stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { type: string; host?: string; result?: { error?: { code: string; message: string } } });
    const ends = events.filter((e) => e.type === 'end');
    expect(ends.map((e) => e.host).sort()).toEqual(['h01', 'h02', 'h03']);
    for (const e of ends) expect(e.result?.error).toMatchObject({ code: 'WORKER_CRASH', message: expect.stringContaining(`fleet broker (pid ${pid})`) });
    expect(events.at(-1)).toMatchObject({ type: 'summary', summary: { failed: 3, hosts: 3 } });
    // The hosts' watchdog ends what the broker was running.
    expect(await until(async () => (await processesMatching(bench.hosts, '^sleep 244$')) === 0, 10_000)).toBe(true);
    const next = await fleet(['exec', 'true', '-i', inv, '--persist', '1m']);
    expect(next.code).toBe(0);
    expect(brokersOf(runtime).filter((p) => p !== pid)).toHaveLength(1);
  });

  it("kill -9 of the broker under a held session's later command: the hosts' session guard ends it", async () => {
    for (let i = 0; i < 2; i++) expect((await fleet(['exec', 'true', '-i', inv, '--persist', '1m'])).code).toBe(0);
    // The command prints its own login shell's command line: the guard's mark, not a watchdog wrapper.
    const cli = startCli(['exec', "tr '\\0' ' ' < /proc/$$/cmdline; echo; echo started; sleep 245", '-i', inv, '--persist', '1m', '-o', 'ndjson'], { env });
    await cli.waitFor(/("line":"started"[^\n]*\n[^]*){3}/);
    for (const pid of brokersOf(runtime)) process.kill(pid, 'SIGKILL');
    const r = await cli.done;
    const lines = r.stdout.split('\n').filter((l) => l.includes('"type":"output"') && l.includes('bash -c'));
    expect(lines).toHaveLength(3);
    for (const l of lines) expect(l).toContain(': fleet-guard-');
    expect(await until(async () => (await processesMatching(bench.hosts, '^sleep 245$')) === 0, 10_000)).toBe(true);
  });

  it('put, get and script go through the broker too, on the sessions already held', async () => {
    const dir = tempDir();
    const file = join(dir, 'payload.txt');
    writeFileSync(file, 'through the broker\n');
    const script = join(dir, 'check.sh');
    writeFileSync(script, '#!/bin/sh\ncat /tmp/persist-payload.txt\n');
    expect((await fleet(['ping', '-i', inv, '--persist', '1m'])).code).toBe(0);
    const before = await logins(bench.hosts);
    expect((await fleet(['put', file, '/tmp/persist-payload.txt', '-i', inv, '--persist', '1m'])).code).toBe(0);
    const got = await fleet(['get', '/tmp/persist-payload.txt', join(dir, 'got'), '-i', inv, '--persist', '1m']);
    expect(got.code).toBe(0);
    expect(readFileSync(join(dir, 'got', 'h02', 'persist-payload.txt'), 'utf8')).toBe('through the broker\n');
    const ran = await fleet(['script', script, '-i', inv, '--persist', '1m']);
    expect(ran.code).toBe(0);
    expect(ran.stdout).toMatch(/^h03\s.*through the broker$/m);
    expect(delta(await logins(bench.hosts), before)).toEqual([0, 0, 0]);
  });

  it('a broker of another fleet build is stopped and replaced by the next run', async () => {
    expect((await fleet(['ping', '-i', inv, '--persist', '1m'])).code).toBe(0);
    const old = (await brokerPid())!;
    const bundle = join(ROOT, 'dist/cli/broker.cjs');
    const original = readFileSync(bundle);
    try {
      // A rebuild: same version, other code.
      writeFileSync(bundle, Buffer.concat([original, Buffer.from('\n// rebuilt\n')]));
      expect((await fleet(['ping', '-i', inv, '--persist', '1m'])).code).toBe(0);
    } finally {
      writeFileSync(bundle, original);
    }
    expect(await until(() => !alive(old), 3_000)).toBe(true);
    const now = brokersOf(runtime);
    expect(now).toHaveLength(1);
    expect(now[0]).not.toBe(old);
  });
});
