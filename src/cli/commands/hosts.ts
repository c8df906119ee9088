import { Command, Option } from 'commander';
import type { HostConfig } from '../../fleet/fleet.js';
import { EXIT } from '../render/index.js';
import { addTargetOptions, examples, type TargetOptions } from '../options.js';
import { openFleet } from '../open-fleet.js';
import { Terminal } from '../terminal.js';
import type { Exit } from '../exit.js';

interface HostsOptions extends TargetOptions {
  output: 'text' | 'json';
  sources?: boolean;
}

export interface HostRow {
  host: string;
  address: string;
  port: number;
  user: string;
  groups: string[];
  jump?: string;
  identityFiles: string[];
  knownHosts: string;
  /** Where each value that is not a built-in default came from: `"user": "ssh_config ~/.ssh/config:3"`. */
  sources: Record<string, string>;
}

/** Only what identifies a host: a HostConfig also holds (unresolved) secrets, which must never be printed. */
export function hostRow(h: HostConfig, user: string | undefined): HostRow {
  const sources = Object.fromEntries(Object.entries(h.sources ?? {}).map(([field, s]) => [field, `${s.kind} ${s.at}`]));
  const row: HostRow = {
    host: h.name,
    address: h.address,
    port: h.port,
    user: user ?? h.user,
    groups: [...h.groups],
    identityFiles: [...h.identityFile],
    knownHosts: h.knownHosts,
    sources,
  };
  if (h.jump !== undefined) row.jump = h.jump;
  return row;
}

/** `web01  deploy@10.0.0.11:22  web,prod  via bastion`, columns aligned. */
export function formatHostRows(rows: readonly HostRow[], withSources = false): string {
  const target = (r: HostRow) => `${r.user}@${r.address.includes(':') ? `[${r.address}]` : r.address}:${r.port}`;
  const w1 = Math.max(0, ...rows.map((r) => r.host.length));
  const w2 = Math.max(0, ...rows.map((r) => target(r).length));
  const lines = rows.map((r) => {
    const cols = [r.host.padEnd(w1), target(r).padEnd(w2), r.groups.join(',') || '-'];
    if (r.jump !== undefined) cols.push(`via ${r.jump}`);
    if (withSources) {
      const from = Object.entries(r.sources).map(([field, at]) => `${field}=${at.slice(at.indexOf(' ') + 1)}`);
      cols.push(from.length === 0 ? '(all defaults)' : from.join(' '));
    }
    return cols.join('  ').trimEnd();
  });
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

export function hostsCommand(exit: Exit): Command {
  const cmd = new Command('hosts').description('list the selected hosts with their resolved user, address and port; connects to none');
  addTargetOptions(cmd);
  cmd.addOption(new Option('-o, --output <format>', 'text or json').choices(['text', 'json']).default('text').helpGroup('Output:'));
  cmd.addOption(new Option('--sources', 'add where each value came from: cli, inventory file:line, ssh_config file:line').helpGroup('Output:'));
  cmd.addHelpText('after', examples(['fleet hosts -i hosts.yaml', "fleet hosts -l 'web*:!web03'", 'fleet hosts -H myalias --sources', 'fleet hosts -o json | jq -r \'.hosts[].host\'']));
  cmd.action(async (options: HostsOptions) => {
    const terminal = new Terminal({ progress: false });
    const fleet = await openFleet(options, (message) => terminal.message(`warning: ${message}`));
    try {
      const rows = fleet.describe().map((h) => hostRow(h, options.user));
      await terminal.stdout(options.output === 'json' ? `${JSON.stringify({ hosts: rows }, null, 2)}\n` : formatHostRows(rows, options.sources));
    } finally {
      await fleet.close();
      await terminal.flush();
    }
    exit(EXIT.OK);
  });
  return cmd;
}
