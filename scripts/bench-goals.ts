/** The goal table `npm run bench` ends with, and the timing helpers every part of it shares. */
import { spawnSync } from 'node:child_process';

export interface Goal {
  goal: string;
  subject: string;
  met: boolean | null;
  /** The measurement, with the peer figures it is judged against. */
  text: string;
}

export const MiB = 1 << 20;
export const RUNS = 3;
export const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
export const size = (bytes: number): string => (bytes < MiB ? `${(bytes / 1024).toFixed(1)} KiB` : `${mib(bytes)} MiB`);
export const gbs = (bytes: number, ms: number): number => bytes / ms / 1e6;

/** Best wall time of `runs` fresh processes, from spawn to exit (stdout discarded); throws with its stderr if one fails. */
export function bestWall(cmd: string, args: string[], runs = RUNS, env?: NodeJS.ProcessEnv): number {
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], env: env ?? process.env, maxBuffer: 1 << 24 });
    const ms = performance.now() - t0;
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status ?? r.signal}): ${r.stderr?.toString().slice(-2000)}`);
    best = Math.min(best, ms);
  }
  return best;
}

export function printGoals(goals: Goal[]): void {
  const mark = (g: Goal): string => (g.met === null ? 'n/a ' : g.met ? 'MET ' : 'MISS');
  const w0 = Math.max(4, ...goals.map((g) => g.goal.length));
  const w1 = Math.max(7, ...goals.map((g) => g.subject.length));
  console.log('\nGoals (issue 17; figures from this run)');
  console.log(`| ${'goal'.padEnd(w0)} | ${'subject'.padEnd(w1)} |      | measured`);
  console.log(`| ${'-'.repeat(w0)} | ${'-'.repeat(w1)} | ---- | --------`);
  for (const g of goals) console.log(`| ${g.goal.padEnd(w0)} | ${g.subject.padEnd(w1)} | ${mark(g)} | ${g.text}`);
  const missed = goals.filter((g) => g.met === false).length;
  console.log(`\n${goals.filter((g) => g.met).length} met, ${missed} missed, ${goals.filter((g) => g.met === null).length} not measured here`);
}
