/**
 * `npm run bench`: the weight analysis against issue 17's goals, every figure from this run, peers
 * side by side. A benchmark, not a test: it prints each goal as MET or MISS and asserts nothing.
 * GB/s are 1e9 bytes per second; sizes are MiB. Files are read from a warm page cache. Generated
 * models are cached outside the repository (bench-models.ts).
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChildResult } from './bench-child';
import { codeCacheDir } from '../server/files/code-cache';
import { gbs, mib, MiB, printGoals, RUNS, size, type Goal } from './bench-goals';
import { cacheDir, externalModel, fp16Model, inlineModel, llmModel, smallModel, uint8Model, type BenchModel } from './bench-models';
import { comparePeers, peerGoal, printPeer, python, realModels } from './bench-peers';
import { reportScale } from './bench-report-scale';
import { fixedCosts } from './bench-startup';

const GOAL_F32_GBS = 1.5;
const GOAL_QUANT_GBS = 1;
const GOAL_LLM_GBS = 1;
const GOAL_LLM_RSS = 600 * MiB;
/** The LLM model needs ~4.3 GB; below this much free space it is skipped. */
const LLM_FREE_BYTES = 10e9;

async function main(): Promise<void> {
  const dir = cacheDir();
  await fs.mkdir(dir, { recursive: true });
  const free = await freeBytes(dir);
  console.log(`bench: node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${mib(os.totalmem())} MiB RAM, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')}`);
  console.log(`cache: ${dir} (${mib(free)} MiB free)`);
  const goals: Goal[] = [];

  console.log('\n== models (generated once, then reused)');
  const generated = [await fp16Model(dir), await uint8Model(dir), await inlineModel(dir), await externalModel(dir)];
  const small = await smallModel(dir);
  for (const m of [...generated, small]) await describe(m);

  console.log(`\n== 2. weight pass, one core (a fresh weights-only process per figure, best of ${RUNS})`);
  let floorOf: ChildResult | undefined;
  const goal2: Record<string, [number, string]> = {
    'fp16 image': [GOAL_F32_GBS, 'float16'], 'uint8 per-axis': [GOAL_QUANT_GBS, 'uint8, per-axis zero points'],
    'inline 512 MiB': [GOAL_F32_GBS, 'float32'], 'external 1 GiB': [GOAL_F32_GBS, 'float32, external data'],
  };
  for (const m of generated) {
    const p = bestChild(m.file, RUNS, true);
    const c = bestChild(m.file);
    const cpuRate = gbs(p.weightBytes, p.weightsCpuMs!);
    const wallRate = gbs(p.weightBytes, p.weightsMs);
    console.log(`   ${m.label.padEnd(16)} weight pass ${p.weightsMs.toFixed(0)} ms wall = ${wallRate.toFixed(2)} GB/s, ${p.weightsCpuMs!.toFixed(0)} ms CPU = ` +
      `${cpuRate.toFixed(2)} GB/s over ${mib(p.weightBytes)} MiB; whole analysis: load ${c.loadMs.toFixed(0)} ms, weights ${c.weightsMs.toFixed(0)} ms, ` +
      `total ${c.totalMs.toFixed(0)} ms, peak RSS ${(c.maxRssKiB / 1024).toFixed(0)} MiB`);
    const [target, what] = goal2[m.label];
    // One core's throughput: CPU time of the single-threaded pass (wall time also counts other processes' turns).
    goals.push({ goal: `2. weight pass >= ${target} GB/s on one core`, subject: what, met: cpuRate >= target, text: `${cpuRate.toFixed(2)} GB/s CPU time (${wallRate.toFixed(2)} GB/s wall)` });
    if (m.label === 'inline 512 MiB') floorOf = p;
  }
  // After the children: a child's peak RSS would otherwise count this process's copy of the file (ru_maxrss survives fork and exec).
  if (floorOf) printFloor(await countInMemory(generated[2].file), floorOf);
  // Drop that copy before timing fresh processes: forking a parent holding 515 MiB costs time too.
  (globalThis as { gc?: () => void }).gc?.();

  console.log(`\n== 1. analyze --no-run end to end vs the numpy peers (fresh processes, best of ${RUNS})`);
  // The best of several runs is one that found the code cache an earlier one made (server/boot.ts), as a user's second run does.
  const cache = codeCacheDir();
  console.log(`   our processes start from V8's code cache of an earlier run (${cache ?? 'off: ONNX_SPARSITY_CODE_CACHE'}); an install's first run is slower by its compilation`);
  const py = python();
  if ('missing' in py) console.log(`   peers skipped: ${py.missing}`);
  const subjects = [...realModels(), ...generated.map((m) => ({ label: `${m.label} (generated)`, file: m.file }))];
  for (const s of subjects) {
    const row = comparePeers(s.label, s.file, py);
    printPeer(row);
    goals.push(peerGoal(row));
  }

  console.log('\n== 3. fixed costs');
  await section(goals, '3. fixed costs', () => fixedCosts(small));

  console.log('\n== 5. LLM-sized model and large reports');
  await section(goals, '5. LLM-sized model', () => llmGoals(dir, free));
  await section(goals, '5. large reports', async () => [await reportScale()]);
  printGoals(goals);
}

/** One part of the bench; a failure is printed and recorded as a goal not measured, and the rest still runs. */
async function section(goals: Goal[], what: string, run: () => Promise<Goal[]>): Promise<void> {
  try {
    goals.push(...(await run()));
  } catch (e) {
    const message = e instanceof Error ? e.message.split('\n')[0] : String(e);
    console.log(`   ${what} failed: ${message}`);
    goals.push({ goal: what, subject: 'failed', met: null, text: message.slice(0, 160) });
  }
}

async function llmGoals(dir: string, free: number): Promise<Goal[]> {
  const goals: Goal[] = [];
  if (free < LLM_FREE_BYTES && !(await exists(path.join(dir, 'llm-fp16', 'manifest.json')))) {
    console.log(`   LLM model skipped: ${mib(free)} MiB free in ${dir}, it needs ${mib(LLM_FREE_BYTES)}`);
    goals.push({ goal: `5. LLM fp16 weights-only >= ${GOAL_LLM_GBS} GB/s, peak RSS < 600 MiB`, subject: 'generated', met: null, text: 'skipped: disk space' });
  } else {
    const llm = await llmModel(dir);
    await describe(llm);
    // The read first: it shows what the page cache holds now, and the analysis after it reads what any second run would.
    const read = await readFloor(llm.files[1]);
    // Best of two, as the smaller models get best of three: one run was 2.3 s or 5.7 s here as other load came and went.
    const c = bestChild(llm.file, 2);
    const p = bestChild(llm.file, 1, true);
    const rate = gbs(c.weightBytes, c.weightsMs);
    const cpuRate = gbs(p.weightBytes, p.weightsCpuMs!);
    console.log(`   reading ${path.basename(llm.files[1])} alone, 4 MiB at a time, nothing else: ${gbs(read.bytes, read.ms).toFixed(2)} GB/s ` +
      `(${(read.ms / 1000).toFixed(2)} s; the page cache holds what the machine lets it keep)`);
    console.log(`   analyze --no-run: weights ${(c.weightsMs / 1000).toFixed(2)} s = ${rate.toFixed(2)} GB/s wall over ${mib(c.weightBytes)} MiB; ` +
      `peak RSS ${(c.maxRssKiB / 1024).toFixed(0)} MiB; total ${(c.totalMs / 1000).toFixed(2)} s; the pass alone ${cpuRate.toFixed(2)} GB/s CPU time`);
    // End to end, so wall time: reads from disk (or a page cache other processes evict) count.
    goals.push({ goal: `5. LLM fp16 weights-only >= ${GOAL_LLM_GBS} GB/s`, subject: `${(c.weightBytes / 1e9).toFixed(1)} GB external`, met: rate >= GOAL_LLM_GBS, text: `${rate.toFixed(2)} GB/s wall (the pass alone ${cpuRate.toFixed(2)} GB/s CPU time; reading the file alone ${gbs(read.bytes, read.ms).toFixed(2)} GB/s)` });
    goals.push({ goal: '5. LLM fp16 weights-only peak RSS < 600 MiB', subject: `${(c.weightBytes / 1e9).toFixed(1)} GB external`, met: c.maxRssKiB * 1024 < GOAL_LLM_RSS, text: `${(c.maxRssKiB / 1024).toFixed(0)} MiB` });
  }
  return goals;
}

async function describe(m: BenchModel): Promise<void> {
  const sizes = await Promise.all(m.files.map((f) => fs.stat(f).then((s) => s.size)));
  console.log(`   ${m.label}: ${m.built ? `built in ${(m.buildMs / 1000).toFixed(1)} s` : 'reused'}; ` +
    `${m.files.map((f, i) => `${path.basename(f)} ${size(sizes[i])}`).join(', ')}; ${m.layers.length} layers, ${mib(m.weightBytes)} MiB of weights`);
}

/** A fresh process per analysis, so its peak RSS is the analysis' alone; best weights time of `runs`. */
function bestChild(file: string, runs = RUNS, passOnly = false): ChildResult {
  const js = path.join(__dirname, 'bench-child.js');
  let best: ChildResult | undefined;
  for (let i = 0; i < runs; i++) {
    const out = execFileSync(process.execPath, [js, file, ...(passOnly ? ['--pass'] : [])], { encoding: 'utf8', maxBuffer: 64 * MiB, stdio: ['ignore', 'pipe', 'inherit'] });
    const r = JSON.parse(out) as ChildResult;
    const key = (x: ChildResult): number => x.weightsCpuMs ?? x.weightsMs;
    if (!best || key(r) < key(best)) best = { ...r, maxRssKiB: Math.max(r.maxRssKiB, best?.maxRssKiB ?? 0) };
  }
  return best!;
}

/** Branchless zero count (+0 and -0) over float32 bits: the memory-bound floor of any metric pass. */
function countZeros(u: Uint32Array): number {
  let z = 0;
  for (let i = 0; i < u.length; i++) {
    const x = u[i] << 1;
    z += 1 ^ ((x | -x) >>> 31);
  }
  return z;
}

/** Count-only over the whole .onnx file in memory (weights are >99.9% of it), best of RUNS. */
async function countInMemory(file: string): Promise<{ bytes: number; ms: number }> {
  const buf = await fs.readFile(file);
  const skip = (4 - (buf.byteOffset % 4)) % 4;
  const u = new Uint32Array(buf.buffer, buf.byteOffset + skip, Math.floor((buf.length - skip) / 4));
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    countZeros(u);
    best = Math.min(best, performance.now() - t0);
  }
  return { bytes: u.byteLength, ms: best };
}

function printFloor(k: { bytes: number; ms: number }, c: ChildResult): void {
  console.log(`   zero-count floor (branchless JS, 1 core, ${mib(k.bytes)} MiB): ${gbs(k.bytes, k.ms).toFixed(2)} GB/s; ` +
    `the full pass takes ${(c.weightsMs / ((k.ms * c.weightBytes) / k.bytes)).toFixed(1)}x the count-only time`);
}

/** The I/O floor of an external-data pass: the file read once in 4 MiB reads into one buffer, nothing done with it. */
async function readFloor(file: string): Promise<{ bytes: number; ms: number }> {
  const buf = new Uint8Array(4 * MiB);
  const h = await fs.open(file, 'r');
  const t0 = performance.now();
  let bytes = 0;
  try {
    for (;;) {
      const { bytesRead } = await h.read(buf, 0, buf.length, bytes);
      if (bytesRead === 0) break;
      bytes += bytesRead;
    }
  } finally {
    await h.close();
  }
  return { bytes, ms: performance.now() - t0 };
}

async function freeBytes(dir: string): Promise<number> {
  const s = await fs.statfs(dir);
  return s.bavail * s.bsize;
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(() => true, () => false);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
