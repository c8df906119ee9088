import { measure, median, type Sample } from './measure.js';

export interface Contender {
  name: string;
  cmd: string;
  args: string[];
}

export interface Row {
  scenario: string;
  target?: string;
  /** Hosts the scenario touches, for CPU per host. */
  hosts: number;
  medians: Record<string, number>;
  /** Median user+sys CPU of each contender's process tree, ms. */
  cpuMs: Record<string, number>;
  peakRssMb: Record<string, number>;
  /** Spread of fleet's wall times (max-min over the median), to show how noisy the row was. */
  spread?: number;
  ratio?: number;
  versus?: string;
  cpuRatio?: number;
}

/** Alternates the contenders run by run, so drift on the machine hits all of them alike. */
export async function compare(
  runs: number,
  scenario: string,
  hosts: number,
  contenders: Contender[],
  base: string,
  target?: string,
): Promise<Row> {
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  for (let run = 0; run <= runs; run++) {
    for (const c of contenders) {
      const s = await measure(c.cmd, c.args);
      if (run > 0) samples.get(c.name)!.push(s); // run 0 is the warm-up
    }
  }
  const row: Row = { scenario, hosts, medians: {}, cpuMs: {}, peakRssMb: {}, ...(target ? { target } : {}) };
  for (const [name, list] of samples) {
    row.medians[name] = Math.round(median(list.map((s) => s.ms)));
    row.cpuMs[name] = Math.round(median(list.map((s) => s.cpuMs)));
    row.peakRssMb[name] = Math.max(...list.map((s) => s.peakRssMb));
  }
  const fleet = samples.get('fleet');
  if (fleet) {
    const ms = fleet.map((s) => s.ms);
    row.spread = Math.round(((Math.max(...ms) - Math.min(...ms)) / median(ms)) * 100) / 100;
  }
  if (row.medians.fleet !== undefined && row.medians[base] !== undefined) {
    row.ratio = Math.round((row.medians.fleet / row.medians[base]!) * 100) / 100;
    row.versus = base;
  }
  if (row.cpuMs.fleet !== undefined && row.cpuMs.floor) {
    row.cpuRatio = Math.round((row.cpuMs.fleet / row.cpuMs.floor) * 100) / 100;
  }
  console.log(JSON.stringify(row));
  return row;
}

function perHost(ms: number | undefined, hosts: number): string {
  if (ms === undefined) return '';
  const each = ms / hosts;
  return each >= 10 ? `${Math.round(each)}` : each.toFixed(1);
}

/** The README's table: wall medians, then client CPU per host (fleet vs the floor). */
export function table(rows: Row[]): string {
  const out = [
    '| scenario | floor | fleet | ratio | target | others (same run) | client CPU/host floor → fleet | fleet peak RSS | spread |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const peerCols = Object.entries(r.medians)
      .filter(([k]) => !['floor', 'fleet'].includes(k))
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
    const cpu = `${perHost(r.cpuMs.floor, r.hosts)} → ${perHost(r.cpuMs.fleet, r.hosts)} ms${r.cpuRatio ? ` (${r.cpuRatio}×)` : ''}`;
    out.push(
      `| ${r.scenario} | ${r.medians.floor ?? ''} | ${r.medians.fleet} | ${r.ratio ?? ''}× ${r.versus ?? ''} | ${r.target ?? ''} | ${peerCols} | ${cpu} | ${r.peakRssMb.fleet} MB | ${r.spread ?? ''} |`,
    );
  }
  return out.join('\n');
}
