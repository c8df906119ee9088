import { Command, Option } from 'commander';
import type { Exit } from '../exit.js';
import { examples } from '../options.js';
import { UsageError } from '../errors.js';

interface AgentFlags {
  queue?: string;
  name?: string;
  zone?: string;
  forks?: number;
  workers?: number;
  status?: boolean;
}

const count = (what: string, min: number) => (v: string) => {
  const n = Number(v);
  if (!/^\d+$/.test(v) || n < min) throw new UsageError(`give ${what} (a whole number ≥ ${min})`);
  return n;
};

/** `fleet agent`: takes batches of queued runs until SIGTERM or SIGINT, which let its running hosts finish. */
export function agentCommand(exit: Exit): Command {
  const cmd = new Command('agent')
    .description('a controller that takes the batches of runs submitted with --queue and runs them with held sessions')
    .addOption(new Option('--queue <url>', 'NATS JetStream server: nats://host:port, or tls://user:pass@host:port').env('FLEET_QUEUE'))
    .option('--name <name>', 'how results name this agent (default: hostname-pid)')
    .option('--zone <zone>', "take only hosts of this inventory zone (variable `zone`); default: hosts without one")
    .option('-f, --forks <n>', 'hosts at once, at most (default: 64)', count('a number of hosts', 1))
    .option('-w, --workers <n>', 'worker processes; 0 runs hosts inside this process', count('a number of processes', 0))
    .option('--status', 'list the agents that answer on this queue, and exit')
    .addHelpText('after', examples(['fleet agent --queue nats://10.0.0.5:4222 --zone eu -f 200', 'fleet agent --queue nats://10.0.0.5:4222 --status']) +
      '\nSecrets are resolved here, on the agent ({ env: }, { file: }, identity files, its own ssh-agent).\n');
  cmd.action(async (flags: AgentFlags) => {
    if (!flags.queue) throw new UsageError('agent: give --queue nats://host:port (or set FLEET_QUEUE)');
    if (flags.status) return exit(await printStatus(flags.queue));
    // Loaded here: every other command would pay the NATS client's load (with TLS) at its start.
    const { Agent } = await import('../../fleet/agent.js');
    const agent = new Agent({
      queue: flags.queue,
      ...(flags.name !== undefined ? { name: flags.name } : {}),
      ...(flags.zone !== undefined ? { zone: flags.zone } : {}),
      ...(flags.forks !== undefined ? { forks: flags.forks } : {}),
      ...(flags.workers !== undefined ? { workers: flags.workers } : {}),
      onLog: (line) => process.stderr.write(`${line}\n`),
    });
    await agent.start();
    const stop = (signal: string) => {
      process.stderr.write(`fleet agent ${agent.name}: ${signal}, finishing the hosts it runs\n`);
      void agent.stop();
    };
    for (const s of ['SIGTERM', 'SIGINT'] as const) process.once(s, () => stop(s));
    await agent.finished;
    exit(0);
  });
  return cmd;
}

async function printStatus(queue: string): Promise<0> {
  const { agentStatus } = await import('../../fleet/agent.js');
  const agents = await agentStatus(queue);
  if (agents.length === 0) process.stdout.write('no agent answers on this queue\n');
  for (const a of agents) process.stdout.write(`${a.name}\tzone ${a.zone}\t${a.running} hosts running\n`);
  return 0;
}
