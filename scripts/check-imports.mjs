// The tree is the data flow (docs/architecture.md): every folder is a stage, and a stage imports
// only the stages before it. This checks every relative import of common/, server/, src/ and
// media/ against that order and looks for import circles between files.
// `node scripts/check-imports.mjs` prints each violation and exits 1 if there is any.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');

/** Stages in data-flow order: a file may import files of its own stage or of an earlier one. */
export const STAGES = [
  ['common/', 'shared by server, client and webview: report types, requests, report formatting'],
  ['server/errors.ts|server/version.ts|server/random.ts|server/webassembly.d.ts', 'engine basics'],
  ['server/files/|server/child/', 'safe file reads and writes; jobs in a child process'],
  ['server/onnx/', 'load: models, tensors, external data'],
  ['server/inputs/|server/demo/', "the user's input files; the demo model"],
  ['server/analysis/layers/', 'which ops are layers, their weights and GEMM views'],
  ['server/analysis/weights/', 'measure: weight sparsity and patterns'],
  ['server/analysis/cost/', 'measure: shapes, MACs and bytes'],
  ['server/analysis/run/', 'run: onnxruntime sessions, activation statistics'],
  ['server/estimate/', 'estimate: accelerator profiles and the speedup model'],
  ['server/bench/', 'measure this machine: latency, crossover, pruned copies'],
  ['server/advise/', 'advise: verdicts, plans, pruned copies'],
  ['server/gates/', 'gates: check rules, compare, overlays'],
  ['server/pipeline/', 'the pipeline that drives the stages'],
  ['server/report-cache.ts|server/request-paths.ts|server/cli-options.ts|server/cli-gates.ts|server/cli-advise.ts', 'entry helpers'],
  ['server/cli.ts|server/server.ts', 'entries: the CLI and the language server'],
  ['server/boot.ts', 'what Node starts: loads an entry bundle with its code cache'],
];

/** The client and the webview see the engine only through common/. */
const APARTS = [['src/', ['common/', 'src/']], ['media/', ['common/', 'media/']]];

function stageOf(file) {
  const i = STAGES.findIndex(([p]) => p.split('|').some((x) => (x.endsWith('/') ? file.startsWith(x) : file === x)));
  return i;
}

function walk(dir, out = []) {
  for (const name of readdirSync(path.join(ROOT, dir))) {
    const rel = path.posix.join(dir, name);
    if (name === 'node_modules' || name === 'simd') continue;
    if (statSync(path.join(ROOT, rel)).isDirectory()) walk(rel, out);
    else if (/\.(ts|mjs)$/.test(name)) out.push(rel);
  }
  return out;
}

const IMPORT = /(?:^|[^\w.])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|(?:import|require)\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)|(?:^|[^\w.])import\s*['"](\.{1,2}\/[^'"]+)['"]/g;

function resolve(from, spec) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  for (const cand of [base, `${base}.ts`, `${base}/index.ts`]) if (existsSync(path.join(ROOT, cand)) && statSync(path.join(ROOT, cand)).isFile()) return cand;
  return undefined;
}

export function importGraph() {
  const files = ['common', 'server', 'src', 'media'].flatMap((d) => walk(d));
  const graph = new Map();
  for (const f of files) {
    const text = readFileSync(path.join(ROOT, f), 'utf8');
    const deps = new Set();
    for (const m of text.matchAll(IMPORT)) {
      const to = resolve(f, m[1] ?? m[2] ?? m[3]);
      if (to && /\.ts$/.test(to)) deps.add(to);
    }
    graph.set(f, [...deps]);
  }
  return graph;
}

export function violations(graph) {
  const out = [];
  for (const [from, deps] of graph) {
    const apart = APARTS.find(([p]) => from.startsWith(p));
    for (const to of deps) {
      if (apart) {
        if (!apart[1].some((p) => to.startsWith(p))) out.push(`${from} -> ${to}: ${apart[0]} may import only ${apart[1].join(' and ')}`);
        continue;
      }
      const a = stageOf(from);
      const b = stageOf(to);
      if (a < 0) out.push(`${from}: in no stage (add its folder to STAGES in scripts/check-imports.mjs)`);
      else if (b < 0) out.push(`${from} -> ${to}: imports a file outside the engine's stages`);
      else if (b > a) out.push(`${from} -> ${to}: '${STAGES[a][1]}' imports a later stage, '${STAGES[b][1]}'`);
    }
  }
  return out;
}

/** Strongly connected components with more than one file (Tarjan). */
export function circles(graph) {
  let index = 0;
  const idx = new Map(), low = new Map(), on = new Set(), stack = [], out = [];
  const visit = (v) => {
    idx.set(v, index); low.set(v, index); index++;
    stack.push(v); on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!idx.has(w)) { visit(w); low.set(v, Math.min(low.get(v), low.get(w))); }
      else if (on.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const c = [];
      let w;
      do { w = stack.pop(); on.delete(w); c.push(w); } while (w !== v);
      if (c.length > 1) out.push(c.sort());
    }
  };
  for (const v of graph.keys()) if (!idx.has(v)) visit(v);
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname)) {
  const graph = importGraph();
  const bad = violations(graph);
  const loops = circles(graph);
  for (const v of bad) console.log(`stage order: ${v}`);
  for (const c of loops) console.log(`circle: ${c.join(' <-> ')}`);
  const edges = [...graph.values()].reduce((s, d) => s + d.length, 0);
  console.log(`${graph.size} files, ${edges} imports: ${bad.length} against the stage order, ${loops.length} circles`);
  process.exit(bad.length || loops.length ? 1 : 0);
}
