/**
 * `npm run bench`: analysis throughput, load time and peak RSS on two large generated models
 * (cached outside the repository, see bench-models.ts). Prints figures; asserts nothing.
 * GB/s are 1e9 bytes per second; sizes are MiB. Files are read from a warm page cache.
 */
import { execFileSync } from 'node:child_process';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { loadModel } from '../server/onnx/load';
import type { ChildResult } from './bench-child';
import { cacheDir, externalModel, inlineModel, type BenchModel } from './bench-models';

const RUNS = 3;
const MiB = 1 << 20;
/** The engine's chunk: 1 MiB of float32 (weights.ts CHUNK_TARGET). */
const READ_CHUNK = 1 << 20;
const RSS_MARGIN = 300 * MiB;
const GOAL_GBS = 1.5;
const GOAL_LOAD_RATIO = 1.3;

interface Figures {
  model: BenchModel;
  onnxBytes: number;
  readMs: number;
  loadMs: number;
  child: { weightsMs: number; totalMs: number; loadMs: number; otherMs: number; maxRssKiB: number; startRssKiB: number };
  layers: ChildResult['layers'];
  count: { bytes: number; countMs: number; readCountMs?: number };
}

const gc = (): void => (globalThis as { gc?: () => void }).gc?.();
const mib = (bytes: number): string => (bytes / MiB).toFixed(1);
const size = (bytes: number): string => (bytes < MiB ? `${(bytes / 1024).toFixed(1)} KiB` : `${mib(bytes)} MiB`);
const gbs = (bytes: number, ms: number): number => bytes / ms / 1e6;

async function main(): Promise<void> {
  const dir = cacheDir();
  await fs.mkdir(dir, { recursive: true });
  const sf = await fs.statfs(dir);
  console.log(`bench: node ${process.version}, ${os.cpus()[0]?.model ?? '?'} x${os.cpus().length}, ${mib(os.totalmem())} MiB RAM`);
  console.log(`cache: ${dir} (${mib(sf.bavail * sf.bsize)} MiB free; the models need ~1.6 GiB)`);
  const all: Figures[] = [];
  for (const make of [inlineModel, externalModel]) {
    const model = await make(dir);
    const sizes = await Promise.all(model.files.map((f) => fs.stat(f).then((s) => s.size)));
    console.log(`\n== ${model.label}: ${model.file}`);
    console.log(`   ${model.built ? `built in ${(model.buildMs / 1000).toFixed(1)} s` : 'reused from cache'}; ` +
      `files ${model.files.map((f, i) => `${path.basename(f)} ${size(sizes[i])}`).join(', ')}; ` +
      `${model.layers.length} layers, ${mib(model.weightBytes)} MiB of float32 weights`);
    const f = await measure(model, sizes[0]);
    printFigures(f);
    all.push(f);
  }
  printGoals(all);
}

async function measure(model: BenchModel, onnxBytes: number): Promise<Figures> {
  const readMs = await bestOf(RUNS, async () => void (await fs.readFile(model.file)));
  const loadMs = await bestOf(RUNS, async () => void (await loadModel(model.file)));
  const runs = Array.from({ length: RUNS }, () => runChild(model.file));
  const best = (k: 'weightsMs' | 'totalMs' | 'loadMs'): number => Math.min(...runs.map((r) => r[k]));
  const child = {
    weightsMs: best('weightsMs'), totalMs: best('totalMs'), loadMs: best('loadMs'),
    otherMs: Math.min(...runs.map((r) => r.totalMs - r.weightsMs - r.loadMs)),
    maxRssKiB: Math.max(...runs.map((r) => r.maxRssKiB)), startRssKiB: Math.min(...runs.map((r) => r.startRssKiB)),
  };
  const count = model.files.length > 1 ? await countStreamed(model.files[1]) : await countInMemory(model.file);
  return { model, onnxBytes, readMs, loadMs, child, layers: runs[0].layers, count };
}

async function bestOf(n: number, f: () => Promise<void>): Promise<number> {
  let best = Infinity;
  for (let i = 0; i < n; i++) {
    gc();
    const t0 = performance.now();
    await f();
    best = Math.min(best, performance.now() - t0);
  }
  gc();
  return best;
}

/** A fresh process per analysis, so its peak RSS is the analysis' alone. */
function runChild(file: string): ChildResult {
  const js = path.join(__dirname, 'bench-child.js');
  const out = execFileSync(process.execPath, [js, file], { encoding: 'utf8', maxBuffer: 64 * MiB, stdio: ['ignore', 'pipe', 'inherit'] });
  return JSON.parse(out) as ChildResult;
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
async function countInMemory(file: string): Promise<Figures['count']> {
  const buf = await fs.readFile(file);
  const skip = (4 - (buf.byteOffset % 4)) % 4;
  const u = new Uint32Array(buf.buffer, buf.byteOffset + skip, Math.floor((buf.length - skip) / 4));
  let best = Infinity;
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    countZeros(u);
    best = Math.min(best, performance.now() - t0);
  }
  return { bytes: u.byteLength, countMs: best };
}

/** Reads the external file 1 MiB at a time into one buffer (as the engine does) and counts each chunk. */
async function countStreamed(file: string): Promise<Figures['count']> {
  const buf = new Uint8Array(READ_CHUNK);
  const u = new Uint32Array(buf.buffer);
  let best = { bytes: 0, countMs: Infinity, readCountMs: Infinity };
  for (let run = 0; run < RUNS; run++) {
    const h = await fs.open(file, 'r');
    let bytes = 0;
    let countMs = 0;
    const t0 = performance.now();
    try {
      for (;;) {
        const { bytesRead } = await h.read(buf, 0, READ_CHUNK, bytes);
        if (bytesRead === 0) break;
        const t1 = performance.now();
        countZeros(bytesRead === READ_CHUNK ? u : u.subarray(0, bytesRead >> 2));
        countMs += performance.now() - t1;
        bytes += bytesRead;
      }
    } finally {
      await h.close();
    }
    const readCountMs = performance.now() - t0;
    if (readCountMs < best.readCountMs) best = { bytes, countMs, readCountMs };
  }
  return best;
}

function printFigures(f: Figures): void {
  const w = f.model.weightBytes;
  const c = f.child;
  const rssMiB = (c.maxRssKiB * 1024) / MiB;
  console.log(`   load: fs.readFile ${f.readMs.toFixed(1)} ms, loadModel ${f.loadMs.toFixed(1)} ms ` +
    `-> ${(f.loadMs / f.readMs).toFixed(2)}x (best of ${RUNS}; .onnx ${size(f.onnxBytes)})`);
  console.log(`   analysis (fresh process, best of ${RUNS}): weights ${c.weightsMs.toFixed(0)} ms = ` +
    `${gbs(w, c.weightsMs).toFixed(2)} GB/s; load ${c.loadMs.toFixed(0)} ms; total ${c.totalMs.toFixed(0)} ms = ` +
    `${gbs(w, c.totalMs).toFixed(2)} GB/s`);
  const bound = f.model.files.length > 1 ? `; bound .onnx + 300 MiB = ${mib(f.onnxBytes + RSS_MARGIN)} MiB` : '';
  const ratio = f.model.files.length > 1 ? '' : ` = ${((c.maxRssKiB * 1024) / f.onnxBytes).toFixed(2)}x the .onnx`;
  console.log(`   peak RSS: ${rssMiB.toFixed(1)} MiB${ratio} (max of ${RUNS}; node at start ${(c.startRssKiB / 1024).toFixed(1)} MiB)${bound}`);
  console.log(`   not weights, not load (hash wait, report): ${c.otherMs.toFixed(0)} ms (best run)`);
  const k = f.count;
  const io = k.readCountMs === undefined ? '' : `; with 1 MiB reads ${k.readCountMs.toFixed(0)} ms = ${gbs(k.bytes, k.readCountMs).toFixed(2)} GB/s`;
  console.log(`   zero-count floor (branchless, 1 core, ${mib(k.bytes)} MiB): ${k.countMs.toFixed(0)} ms = ` +
    `${gbs(k.bytes, k.countMs).toFixed(2)} GB/s${io}; full pass is ${(c.weightsMs / ((k.countMs * w) / k.bytes)).toFixed(1)}x the count-only time`);
  console.log('   layers (first run): name, sparsity, 2:4 group share / ready, 32x32 zero-block share');
  for (const l of f.layers)
    console.log(`     ${l.name.padEnd(10)} ${(l.sparsity * 100).toFixed(1).padStart(5)}%  ` +
      `2:4 ${(l.share24 * 100).toFixed(1).padStart(5)}% ${l.ready24 ? 'ready' : '-    '}  32x32 ${(l.blocks32 * 100).toFixed(1).padStart(5)}%`);
}

function printGoals(all: Figures[]): void {
  const cell = (ok: boolean, text: string): string => `${ok ? 'ok  ' : 'MISS'} ${text}`;
  const rows: [string, (f: Figures) => string][] = [
    [`metric pass >= ${GOAL_GBS} GB/s, 1 core`, (f) => {
      const v = gbs(f.model.weightBytes, f.child.weightsMs);
      return cell(v >= GOAL_GBS, `${v.toFixed(2)} GB/s`);
    }],
    [`load <= ${GOAL_LOAD_RATIO}x file read`, (f) => {
      const r = f.loadMs / f.readMs;
      const text = `${r.toFixed(2)}x (${f.loadMs.toFixed(1)} / ${f.readMs.toFixed(1)} ms)`;
      // On a file of a few KiB fixed costs dominate: the goal is about large files.
      return f.onnxBytes < MiB ? `n/a  ${text}, ${size(f.onnxBytes)} file` : cell(r <= GOAL_LOAD_RATIO, text);
    }],
    ['external: RSS < .onnx + 300 MiB', (f) => {
      if (f.model.files.length < 2) return '-';
      const rss = f.child.maxRssKiB * 1024;
      return cell(rss < f.onnxBytes + RSS_MARGIN, `${mib(rss)} < ${mib(f.onnxBytes + RSS_MARGIN)} MiB`);
    }],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const cells = rows.map(([, get]) => all.map(get));
  const w = all.map((_, i) => Math.max(all[i].model.label.length, ...cells.map((c) => c[i].length)));
  const line = (a: string, bs: string[]): string => `| ${a.padEnd(w0)} | ${bs.map((b, i) => b.padEnd(w[i])).join(' | ')} |`;
  console.log('\nGoals');
  console.log(line('goal', all.map((f) => f.model.label)));
  console.log(line('-'.repeat(w0), w.map((n) => '-'.repeat(n))));
  rows.forEach(([goal], r) => console.log(line(goal, cells[r])));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack : e);
  process.exitCode = 1;
});
