/**
 * The --queue row: `fleet exec true` on N hosts through 2 `fleet agent`s on this machine (a real
 * `nats-server -js` between them and the submitter) against one local controller on the same inventory,
 * alternating. The agents are long-lived (warm held sessions after the warm-up run, as in production), so
 * their CPU (and nats-server's) is read from /proc around the queued runs, not from the submitter's process
 * tree; that includes the local runs' share of nothing, since idle agents only send heartbeats.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { startAgent, startNats, type AgentProcess } from '../test/queue/support.js';
import { compare, type Contender, type Row } from './compare.js';

const CLI = process.env.BENCH_CLI ?? 'dist/cli/fleet.cjs';
/**
 * BENCH_QUEUE_FORKS: each agent's -f. Default 32: both agents together run as many hosts at once as the local
 * controller's default -f 64, so the row shows the queue's cost, not more parallelism.
 */
const AGENT_FORKS = process.env.BENCH_QUEUE_FORKS ?? '32';
const TICK_MS = 1000 / 100;

export interface QueueOptions {
  runs: number;
}

/** utime + stime of a process and all its descendants now, in ms (workers are children of the agent). */
function treeCpuMs(pid: number): number {
  let ticks = 0;
  const walk = (p: number): void => {
    try {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
      for (const t of readdirSync(`/proc/${p}/task`)) {
        for (const k of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').trim().split(/\s+/).filter(Boolean)) walk(Number(k));
      }
    } catch {
      // Gone between listing and reading.
    }
  };
  walk(pid);
  return ticks * TICK_MS;
}

/** `inventory`: `hosts` hosts with no literal secret in it (a queued run would refuse one). */
export async function queueRows(inventory: string, hosts: number, o: QueueOptions): Promise<Row[]> {
  const nats = await startNats();
  const agents: AgentProcess[] = [];
  try {
    for (const name of ['bench-a1', 'bench-a2']) agents.push(await startAgent(nats.url, name, ['-f', AGENT_FORKS], CLI));
    const exec = (name: string, ...extra: string[]): Contender => ({
      name,
      cmd: process.execPath,
      args: [CLI, 'exec', 'true', '-i', inventory, '-o', 'json', '--no-progress', ...extra],
    });
    const agentCpu = () => agents.reduce((sum, a) => sum + treeCpuMs(a.child.pid!), 0);
    const before = { agents: agentCpu(), nats: treeCpuMs(nats.pid) };
    const row = await compare(o.runs, `exec true, ${hosts} hosts, 2 agents (-f ${AGENT_FORKS} each) via --queue vs local -f ${2 * Number(AGENT_FORKS)}`, hosts, [
      exec('local', '-f', String(2 * Number(AGENT_FORKS))),
      exec('fleet', '--queue', nats.url),
    ], 'local', '≤ 1.15× local');
    // Warm-up included: runs + 1 queued runs went through the agents.
    row.cpuMs.agents = Math.round((agentCpu() - before.agents) / (o.runs + 1));
    row.cpuMs['nats-server'] = Math.round((treeCpuMs(nats.pid) - before.nats) / (o.runs + 1));
    console.log(JSON.stringify({ perQueuedRun: { agents: row.cpuMs.agents, 'nats-server': row.cpuMs['nats-server'] } }));
    return [row];
  } finally {
    for (const a of agents) await a.stop();
    await nats.stop();
  }
}
