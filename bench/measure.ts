import { spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

export interface Sample {
  ms: number;
  /** Peak resident memory of the process and all its descendants, in MB. */
  peakRssMb: number;
  /** User + system CPU of the process and every descendant it waited for (bash `times`), in ms. */
  cpuMs: number;
}

/** bash's `times` line for its children: "0m1.234s 0m0.056s" → ms. */
function cpuOf(times: string): number {
  const line = times.trim().split('\n').at(-1) ?? '';
  const parts = [...line.matchAll(/(\d+)m([\d.]+)s/g)].map((m) => Number(m[1]) * 60_000 + Number(m[2]) * 1000);
  return Math.round(parts.reduce((a, b) => a + b, 0));
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

/**
 * Runs a command to its end; wall time, the peak RSS of its whole process tree (sampled every 10 ms) and its
 * CPU. The command runs under a bash that reports its children's CPU on fd 3 once it has waited for them; the
 * shell itself is left out of both RSS and CPU.
 */
export function measure(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const wrapper = '"$@" 3>&-; rc=$?; times >&3; exit $rc';
    const child = spawn('bash', ['-c', wrapper, 'bash', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe', 'pipe'], env });
    let stderr = '';
    let times = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdio[3]!.on('data', (d: Buffer) => (times += d.toString()));
    let peak = 0;
    const sampler = setInterval(() => {
      const pids = descendants(child.pid!);
      peak = Math.max(peak, pids.reduce((sum, p) => sum + rssKb(p), 0));
    }, 10);
    child.on('error', reject);
    child.on('close', (code) => {
      clearInterval(sampler);
      const ms = performance.now() - started;
      if (code !== 0) return reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-2000)}`));
      resolve({ ms, peakRssMb: Math.round(peak / 1024), cpuMs: cpuOf(times) });
    });
  });
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}
