import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface Sample {
  ms: number;
  /** Peak resident memory of the process and all its descendants, in MB. */
  peakRssMb: number;
}

function rssKb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function descendants(pid: number): number[] {
  const out: number[] = [];
  let tasks: string[] = [];
  try {
    tasks = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const t of tasks) {
    let kids = '';
    try {
      kids = readFileSync(`/proc/${pid}/task/${t}/children`, 'utf8');
    } catch {
      continue;
    }
    for (const k of kids.trim().split(/\s+/).filter(Boolean).map(Number)) out.push(k, ...descendants(k));
  }
  return out;
}

/** Runs a command to its end; wall time and the peak RSS of its whole process tree (sampled every 10 ms). */
export function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let peak = 0;
    const sampler = setInterval(() => {
      const pids = [child.pid!, ...descendants(child.pid!)];
      peak = Math.max(peak, pids.reduce((sum, p) => sum + rssKb(p), 0));
    }, 10);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(sampler);
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ ms, peakRssMb: Math.round(peak / 1024) });
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
