import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, type Dirent } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBench, type Bench } from '../bench/hosts.js';
import { processesMatching, until } from '../bench/remote-processes.js';
import { assertBuilt, runCli, startCli } from '../cli/support.js';
import { markers, startAgent, startCutProxy, startNats, writeQueueInventory, type AgentProcess, type Nats } from './support.js';

interface JsonDoc {
  hosts: { host: string; ok: boolean; agent?: string; error?: { code: string; message: string } }[];
  summary: { ok: number; hosts: number };
}

describe('fleet agents on NATS JetStream (--queue)', () => {
  let bench: Bench;
  let nats: Nats;
  const agents: AgentProcess[] = [];
  const agent = async (name: string, args: string[] = []) => {
    const a = await startAgent(nats.url, name, args);
    agents.push(a);
    return a;
  };
  const stopAgents = async () => {
    for (const a of agents.splice(0)) await a.stop();
  };

  beforeAll(async () => {
    assertBuilt();
    [bench, nats] = await Promise.all([startBench(6, { hostsPerContainer: 6 }), startNats()]);
  });
  afterAll(async () => {
    await stopAgents();
    await nats?.stop();
    await bench?.stop();
  });

  it('a run over 2 agents: every host once, both agents used, exit 0', async () => {
    await agent('a1');
    await agent('a2');
    const { file } = writeQueueInventory(bench);
    const r = await runCli(['exec', 'echo x >> /tmp/q1.{host}; sleep 0.3; echo hi', '-i', file, '--queue', nats.url, '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    expect(doc.hosts.map((h) => h.host)).toEqual(bench.hosts.map((h) => h.name));
    expect(doc.hosts.every((h) => h.ok)).toBe(true);
    expect(new Set(doc.hosts.map((h) => h.agent))).toEqual(new Set(['a1', 'a2']));
    expect(Object.values(await markers(bench, 'q1'))).toEqual([1, 1, 1, 1, 1, 1]);
    await stopAgents();
  });

  it('kill -9 of an agent mid-run: its claimed host is WORKER_CRASH naming it and never runs again, the rest run on the other', async () => {
    const doomed = await agent('doomed', ['-f', '1']);
    const { file } = writeQueueInventory(bench);
    const cli = startCli(['exec', 'echo x >> /tmp/q2.{host}; echo started; sleep 2', '-i', file, '--queue', nats.url, '--queue-batch', '3', '-o', 'json']);
    // Only the doomed agent is up: it takes a batch and starts its first host; then the survivor comes.
    expect(await until(async () => Object.values(await markers(bench, 'q2')).some((n) => n > 0), 10_000)).toBe(true);
    await agent('survivor', ['-f', '2']);
    doomed.child.kill('SIGKILL');
    const r = await cli.done;
    const doc = JSON.parse(r.stdout) as JsonDoc;
    expect(doc.hosts.map((h) => h.host)).toEqual(bench.hosts.map((h) => h.name));
    const crashed = doc.hosts.filter((h) => !h.ok);
    expect(crashed).toHaveLength(1);
    expect(crashed[0]!.error).toMatchObject({ code: 'WORKER_CRASH' });
    expect(crashed[0]!.error!.message).toContain('doomed');
    expect(doc.hosts.filter((h) => h.ok).every((h) => h.agent === 'survivor')).toBe(true);
    // Each host ran exactly once: the crashed one too (it started on the doomed agent, and not again).
    expect(Object.values(await markers(bench, 'q2'))).toEqual([1, 1, 1, 1, 1, 1]);
    expect(r.code, r.stdout + r.stderr).toBe(1);
    await stopAgents();
  }, 40_000);

  it("ends sent while the submitter was cut off from the server are not lost: it reads them from the results stream, exit 0", async () => {
    // One batch of 6 in a lane of -f 24 / 4 lanes: all six hosts run at once.
    await agent('steady', ['-f', '24']);
    const proxy = await startCutProxy(nats.url);
    let cli: ReturnType<typeof startCli> | undefined;
    try {
      const { file } = writeQueueInventory(bench);
      // Only the submitter goes through the proxy; the agent stays connected and heartbeats all along.
      // Each host waits for /tmp/q8.go (the hosts share one container's /tmp), so all end inside the cut.
      cli = startCli(['exec', 'echo x >> /tmp/q8.{host}; while [ ! -e /tmp/q8.go ]; do sleep 0.05; done; echo done', '-i', file, '--queue', proxy.url, '--queue-batch', '6', '-o', 'json']);
      expect(await until(async () => Object.values(await markers(bench, 'q8')).every((n) => n > 0), 15_000)).toBe(true);
      // Their ends are published while the submitter holds no subscription; the cut is shorter than the
      // agents' liveness window, so nothing else would ever end those hosts.
      const cut = proxy.cut(2500);
      await bench.hosts[0]!.exec('touch /tmp/q8.go');
      await cut;
      // A submitter that lost them would wait forever (no --deadline): it is stopped, and the test fails.
      const hung = setTimeout(() => cli?.child.kill('SIGKILL'), 20_000);
      const r = await cli.done;
      clearTimeout(hung);
      expect(r.signal).toBeNull();
      expect(r.code, r.stdout + r.stderr).toBe(0);
      const doc = JSON.parse(r.stdout) as JsonDoc;
      expect(doc.hosts.map((h) => h.host)).toEqual(bench.hosts.map((h) => h.name));
      expect(doc.hosts.every((h) => h.ok && h.agent === 'steady')).toBe(true);
      expect(Object.values(await markers(bench, 'q8'))).toEqual([1, 1, 1, 1, 1, 1]);
    } finally {
      await bench.hosts[0]!.exec('touch /tmp/q8.go');
      cli?.child.kill('SIGKILL');
      await proxy.close();
      await stopAgents();
    }
  }, 40_000);

  it('put: the payload goes once into the Object Store, each agent fetches it once, every host gets it', async () => {
    const a = await agent('p1');
    const b = await agent('p2');
    const dir = mkdtempSync(join(tmpdir(), 'fleet-qput-'));
    const local = join(dir, 'payload.bin');
    const bytes = randomBytes(512 * 1024);
    writeFileSync(local, bytes);
    const { file } = writeQueueInventory(bench);
    const r = await runCli(['put', local, '/tmp/qput.{host}', '-i', file, '--queue', nats.url, '--queue-batch', '1', '-o', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    expect(new Set(doc.hosts.map((h) => h.agent))).toEqual(new Set(['p1', 'p2']));
    const sha = createHash('sha256').update(bytes).digest('hex');
    for (const h of bench.hosts) expect((await h.exec(`sha256sum /tmp/qput.${h.name}`)).stdout).toContain(sha);
    for (const x of [a, b]) expect(x.log().match(/fetched payload payload\.bin/g)).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
    await stopAgents();
  });

  it('put -r of a directory through 2 agents: each host gets the tree a local put lays out, fetched once per agent', async () => {
    const a = await agent('t1', ['-f', '1']);
    const b = await agent('t2', ['-f', '1']);
    const dir = mkdtempSync(join(tmpdir(), 'fleet-qtree-'));
    const tree = join(dir, 'tree');
    mkdirSync(join(tree, 'sub'), { recursive: true });
    mkdirSync(join(tree, 'empty'));
    writeFileSync(join(tree, 'a.txt'), 'a\n', { mode: 0o640 });
    writeFileSync(join(tree, 'sub', 'b.bin'), randomBytes(100 * 1024));
    chmodSync(join(tree, 'sub'), 0o750);
    const { file } = writeQueueInventory(bench);
    const queued = await runCli(['put', '-r', tree, '/tmp/qtree-{host}/', '-i', file, '--queue', nats.url, '--queue-batch', '1', '-o', 'json']);
    expect(queued.stderr).toBe('');
    expect(queued.code, queued.stdout + queued.stderr).toBe(0);
    expect(new Set((JSON.parse(queued.stdout) as JsonDoc).hosts.map((h) => h.agent))).toEqual(new Set(['t1', 't2']));
    const plain = await runCli(['put', '-r', tree, '/tmp/ltree-{host}/', '-i', file, '-o', 'json']);
    expect(plain.code, plain.stdout + plain.stderr).toBe(0);
    const listing = async (h: Bench['hosts'][number], root: string) =>
      (await h.exec(`cd ${root} && find . -printf '%p %m %s\\n' | sort && sha256sum tree/sub/b.bin | cut -c1-64`)).stdout;
    for (const h of bench.hosts) {
      const want = await listing(h, `/tmp/ltree-${h.name}`);
      expect(want).toContain('./tree/empty 755');
      expect(await listing(h, `/tmp/qtree-${h.name}`)).toBe(want);
    }
    for (const x of [a, b]) expect(x.log().match(/fetched payload tree/g)).toHaveLength(1);
    rmSync(dir, { recursive: true, force: true });
    await stopAgents();
  });

  it('get through 2 agents: every host\'s files land in DIR/<host>/… exactly as a local get lays them out', async () => {
    // One host at a time each: both agents take some of the six batches.
    await agent('g1', ['-f', '1']);
    await agent('g2', ['-f', '1']);
    for (const h of bench.hosts) {
      const r = await h.exec(`mkdir -p /tmp/qg-${h.name}/d && echo a-${h.name} > /tmp/qg-${h.name}/a.txt && printf 'b\\n' > /tmp/qg-${h.name}/d/b.txt && chmod 640 /tmp/qg-${h.name}/a.txt && chown -R fleet /tmp/qg-${h.name}`);
      expect(r.exitCode).toBe(0);
    }
    const { file } = writeQueueInventory(bench);
    const queued = mkdtempSync(join(tmpdir(), 'fleet-qget-'));
    const local = mkdtempSync(join(tmpdir(), 'fleet-lget-'));
    const viaQueue = await runCli(['get', '-r', '/tmp/qg-{host}', queued, '-i', file, '--queue', nats.url, '--queue-batch', '1', '-o', 'json']);
    expect(viaQueue.stderr).toBe('');
    expect(viaQueue.code, viaQueue.stdout + viaQueue.stderr).toBe(0);
    const doc = JSON.parse(viaQueue.stdout) as JsonDoc;
    expect(new Set(doc.hosts.map((h) => h.agent))).toEqual(new Set(['g1', 'g2']));
    expect((await runCli(['get', '-r', '/tmp/qg-{host}', local, '-i', file, '-o', 'json'])).code).toBe(0);
    const tree = (root: string) =>
      Object.fromEntries(
        (readdirSync(root, { recursive: true, withFileTypes: true }) as Dirent[])
          .filter((e) => e.isFile())
          .map((e) => {
            const path = join(e.parentPath, e.name);
            return [relative(root, path), { text: readFileSync(path, 'utf8'), mode: statSync(path).mode & 0o777 }];
          }),
      );
    const got = tree(queued);
    expect(Object.keys(got)).toHaveLength(12);
    expect(got[join('h01', 'qg-h01', 'a.txt')]).toEqual({ text: 'a-h01\n', mode: 0o640 });
    expect(got).toEqual(tree(local));
    rmSync(queued, { recursive: true, force: true });
    rmSync(local, { recursive: true, force: true });
    await stopAgents();
  }, 40_000);

  it('SIGTERM: the agent finishes the host it runs, hands back the rest of its batch, exits 0; --status lists agents', async () => {
    const leaving = await agent('leaving', ['-f', '1']);
    const { file } = writeQueueInventory(bench);
    const cli = startCli(['exec', 'echo x >> /tmp/q3.{host}; sleep 1.5', '-i', file, '--queue', nats.url, '--queue-batch', '6', '-o', 'json']);
    expect(await until(async () => Object.values(await markers(bench, 'q3')).some((n) => n > 0), 10_000)).toBe(true);
    await agent('staying', ['-f', '6']);
    const status = await runCli(['agent', '--queue', nats.url, '--status']);
    expect(status.stdout).toMatch(/^leaving\tzone default\t1 hosts running\n[^]*^staying\tzone default/m);
    const exited = new Promise<number | null>((r) => leaving.child.once('exit', (code) => r(code)));
    leaving.child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    // It ran a host or two (the one in hand when told, maybe one more while --status ran), the other the rest.
    const left = doc.hosts.filter((h) => h.agent === 'leaving').length;
    expect(left).toBeGreaterThanOrEqual(1);
    expect(left).toBeLessThanOrEqual(3);
    expect(doc.hosts.filter((h) => h.agent === 'staying')).toHaveLength(6 - left);
    expect(Object.values(await markers(bench, 'q3'))).toEqual([1, 1, 1, 1, 1, 1]);
    await stopAgents();
  }, 30_000);

  it('SIGTERM of an agent cut off from the server: it gives its unstored results up and exits; the submitter reports them WORKER_CRASH', async () => {
    const proxy = await startCutProxy(nats.url);
    let cli: ReturnType<typeof startCli> | undefined;
    try {
      // Only the agent goes through the proxy: cut off, it can neither store its results nor drain.
      const cutoff = await startAgent(proxy.url, 'cutoff', ['-f', '4']);
      agents.push(cutoff);
      const { file } = writeQueueInventory(bench);
      cli = startCli(['exec', 'echo x >> /tmp/q9.{host}; while [ ! -e /tmp/q9.go ]; do sleep 0.05; done', '-i', file, '-l', 'h01,h02', '--queue', nats.url, '-o', 'json']);
      const started = async () => Object.entries(await markers(bench, 'q9')).filter(([, n]) => n > 0).length;
      expect(await until(async () => (await started()) === 2, 15_000)).toBe(true);
      void proxy.cut(120_000);
      await bench.hosts[0]!.exec('touch /tmp/q9.go');
      const exited = new Promise<number | null>((r) => cutoff.child.once('exit', (code) => r(code)));
      cutoff.child.kill('SIGTERM');
      // Before, it retried its results for as long as it lived.
      const hung = setTimeout(() => cutoff.child.kill('SIGKILL'), 40_000);
      const code = await exited;
      clearTimeout(hung);
      expect(code).toBe(0);
      expect(cutoff.log()).toContain('given up on stopping');
      const r = await cli.done;
      const doc = JSON.parse(r.stdout) as JsonDoc;
      expect(doc.hosts.map((h) => h.host)).toEqual(['h01', 'h02']);
      expect(doc.hosts.map((h) => h.error?.code)).toEqual(['WORKER_CRASH', 'WORKER_CRASH']);
      expect(doc.hosts.every((h) => h.error!.message.includes('cutoff'))).toBe(true);
      expect(r.code, r.stdout + r.stderr).toBe(1);
    } finally {
      await bench.hosts[0]!.exec('touch /tmp/q9.go');
      cli?.child.kill('SIGKILL');
      await proxy.close();
      await stopAgents();
    }
  }, 90_000);

  it('zones: hosts with zone a go only to the agent of zone a', async () => {
    await agent('plain');
    await agent('in-a', ['--zone', 'a']);
    const { file } = writeQueueInventory(bench, { h01: 'a', h02: 'a' });
    const r = await runCli(['exec', 'true', '-i', file, '--queue', nats.url, '-o', 'json']);
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    const byHost = Object.fromEntries(doc.hosts.map((h) => [h.host, h.agent]));
    expect(byHost).toEqual({ h01: 'in-a', h02: 'in-a', h03: 'plain', h04: 'plain', h05: 'plain', h06: 'plain' });
    await stopAgents();
  });

  it('hosts nobody takes: unreachable at --deadline, or (no deadline) once no agent of their zone answers', async () => {
    await agent('only-default');
    const { file } = writeQueueInventory(bench, { h01: 'nowhere' });
    const timed = await runCli(['exec', 'true', '-i', file, '-l', 'h01,h02', '--queue', nats.url, '--deadline', '2s', '-o', 'json']);
    expect(timed.code, timed.stdout + timed.stderr).toBe(3);
    const doc = JSON.parse(timed.stdout) as JsonDoc;
    expect(doc.hosts[0]!.error).toMatchObject({ code: 'CONNECT', message: expect.stringContaining('before the deadline (zone nowhere)') });
    expect(doc.hosts[1]).toMatchObject({ host: 'h02', ok: true, agent: 'only-default' });
    const unbounded = await runCli(['exec', 'true', '-i', file, '-l', 'h01', '--queue', nats.url]);
    expect(unbounded.code, unbounded.stdout + unbounded.stderr).toBe(3);
    expect(unbounded.stderr).toContain('no agent is serving zone nowhere; start one with fleet agent --zone nowhere');
    await stopAgents();
  }, 20_000);

  it("the submitter's Ctrl-C ends the remote commands on every agent's hosts, exit 130", async () => {
    await agent('c1');
    await agent('c2');
    const { file } = writeQueueInventory(bench);
    // One host a batch: an agent runs up to 4 batches at once, so 6 sleeping hosts need both agents.
    const cli = startCli(['exec', 'sleep 47', '-i', file, '--queue', nats.url, '--queue-batch', '1', '-o', 'json']);
    expect(await until(async () => (await processesMatching(bench.hosts.slice(0, 1), '^sleep 47$')) === 6, 10_000)).toBe(true);
    cli.child.kill('SIGINT');
    const r = await cli.done;
    expect(r.code, r.stdout + r.stderr).toBe(130);
    const doc = JSON.parse(r.stdout) as JsonDoc;
    expect(doc.hosts.map((h) => h.error?.code)).toEqual(Array(6).fill('ABORT'));
    expect(new Set(doc.hosts.map((h) => h.agent))).toEqual(new Set(['c1', 'c2']));
    expect(await until(async () => (await processesMatching(bench.hosts.slice(0, 1), '^sleep 47$')) === 0, 5_000)).toBe(true);
    await stopAgents();
  }, 30_000);

  it('a literal secret is refused before anything is published (exit 2); --ask-pass too', async () => {
    const { file } = writeQueueInventory(bench, {}, true);
    const r = await runCli(['exec', 'true', '-i', file, '--queue', nats.url]);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/literal or prompted secret[^]*Nothing was published/);
    const asked = await runCli(['exec', 'true', '-i', writeQueueInventory(bench).file, '--queue', nats.url, '--ask-pass'], { input: 'pw\n' });
    expect(asked.code).toBe(2);
    expect(asked.stderr).toContain('--ask-pass with --queue');
  });

  it('no NATS server there: a clear error, exit 2', async () => {
    const r = await runCli(['exec', 'true', '-i', writeQueueInventory(bench).file, '--queue', 'nats://127.0.0.1:1']);
    expect(r.code, r.stdout + r.stderr).toBe(2);
    expect(r.stderr).toMatch(/queue nats:\/\/127\.0\.0\.1:1: cannot connect/);
  });
});
