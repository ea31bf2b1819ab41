import type { LayerDelta, Report, ReportDiff } from '../protocol';
import { nearZeroShare } from './figures';
import { count, mdText, pct } from './format';

/** `onnx-sparsity compare A B --format md`: what changed from A to B, in totals, N:M readiness, estimates and per layer. */
export function compareMarkdown(a: Report, b: Report, d: ReportDiff): string {
  const out = [`# Sparsity comparison: ${mdText(a.model.name)} vs ${mdText(b.model.name)}`, ''];
  out.push(`A: ${mdText(a.model.path)} (sha256 \`${a.model.sha256.slice(0, 12)}\`)  `, `B: ${mdText(b.model.path)} (sha256 \`${b.model.sha256.slice(0, 12)}\`)`, '');
  out.push('| | A | B | B - A |', '|---|---:|---:|---:|');
  out.push(`| Parameters | ${count(a.totals.params)} | ${count(b.totals.params)} | ${signed(d.totals.params)} |`);
  out.push(`| Weight sparsity | ${pct(a.totals.sparsity, 2)} | ${pct(b.totals.sparsity, 2)} | ${pp(d.totals.sparsity)} |`);
  out.push(`| Near-zero share | ${pct(nearZeroShare(a.totals), 2)} | ${pct(nearZeroShare(b.totals), 2)} | ${pp(d.totals.nearZeros)} |`);
  out.push(`| Layer-weight sparsity | ${pct(a.totals.layerWeights.sparsity, 2)} | ${pct(b.totals.layerWeights.sparsity, 2)} | ${pp(d.totals.layerSparsity)} |`);
  for (const p of d.patterns) out.push(`| ${p.pattern}-ready layers | ${p.ready[0]} of ${p.of[0]} | ${p.ready[1]} of ${p.of[1]} | ${signed(p.ready[1] - p.ready[0])} |`);
  out.push(`| Layers | ${count(a.layers.length)} | ${count(b.layers.length)} | ${signed(b.layers.length - a.layers.length)} |`);
  if (d.totals.macs !== null) out.push(`| MACs | ${count(a.totals.macs)} | ${count(b.totals.macs)} | ${signed(d.totals.macs)} |`);
  if (d.totals.timeMs !== null) out.push(`| Kernel time | ${a.totals.timeMs!.toFixed(3)} ms | ${b.totals.timeMs!.toFixed(3)} ms | ${signed(d.totals.timeMs, 3)} ms |`);
  out.push('');
  const moved = d.patterns.filter((p) => p.lost.length || p.gained.length || p.missing.length);
  if (moved.length) {
    out.push('## N:M readiness that changed', '');
    for (const p of moved) {
      if (p.lost.length) out.push(`- ${p.pattern} lost in B: ${names(p.lost)}`);
      if (p.missing.length) out.push(`- ${p.pattern}-ready in A, not in B at all: ${names(p.missing)}`);
      if (p.gained.length) out.push(`- ${p.pattern} gained in B: ${names(p.gained)}`);
    }
    out.push('');
  }
  if (d.estimates.length) {
    out.push('## Estimated speedups', '', '| Target | Scenario | A | B | B - A | Change |', '|---|---|---:|---:|---:|---:|');
    for (const e of d.estimates)
      out.push(`| ${mdText(e.name)} (\`${e.target.replace(/[`|]/g, '')}\`) | ${mdText(e.scenario)} | ${times(e.speedup[0])} | ${times(e.speedup[1])} | ${e.delta === null ? '-' : signed(e.delta, 3)} | ${e.relative === null ? '-' : `${signed(e.relative * 100, 2)}%`} |`);
    out.push('');
  }
  out.push(`## Layers in both (${d.layers.length})`, '');
  if (d.layers.length) {
    const patterns = d.patterns.map((p) => p.pattern);
    out.push(`| Layer | Op | Zeros A | Zeros B | B - A | ${patterns.map((p) => `${p} groups B - A | ${p} ready A -> B`).join(' | ')} | Input density B - A |`);
    out.push(`|---|---|---:|---:|---:|${patterns.map(() => '---:|---|').join('')}---:|`);
    const inA = new Map(a.layers.map((l) => [l.name, l]));
    const inB = new Map(b.layers.map((l) => [l.name, l]));
    for (const l of d.layers) out.push(layerRow(l, inA.get(l.name)!.sparsity, inB.get(l.name)!.sparsity, patterns));
  } else out.push('_No layer names in common._');
  out.push('');
  if (d.added.length) out.push(`Only in B (${d.added.length}): ${names(d.added)}`, '');
  if (d.removed.length) out.push(`Only in A (${d.removed.length}): ${names(d.removed)}`, '');
  if (d.notes.length) out.push('## Notes', '', ...d.notes.map((n) => `- ${mdText(n)}`), '');
  out.push(`_Layers are matched by name; B - A in percentage points (pp) for shares. onnx-sparsity ${a.tool.version} / ${b.tool.version}._`, '');
  return out.join('\n');
}

function layerRow(l: LayerDelta, za: number, zb: number, patterns: readonly string[]): string {
  const nm = patterns.map((p) => {
    const x = l.nm[p];
    return x ? `${pp(x.groupShare)} | ${ready(x.ready[0])} -> ${ready(x.ready[1])}` : '- | -';
  });
  return `| ${mdText(l.name)} | ${mdText(l.opType)} | ${pct(za)} | ${pct(zb)} | ${pp(l.sparsity)} | ${nm.join(' | ')} | ${pp(l.inputDensity)} |`;
}

const ready = (x: boolean): string => (x ? 'ready' : 'no');
const names = (xs: readonly string[]): string => xs.slice(0, 50).map(mdText).join(', ') + (xs.length > 50 ? `, ... (${xs.length - 50} more)` : '');
const times = (x: number | null): string => (x === null ? '-' : `${x.toFixed(3)}x`);
const signed = (x: number, digits = 0): string => `${x > 0 ? '+' : x < 0 ? '-' : '+'}${digits ? Math.abs(x).toFixed(digits) : count(Math.abs(x))}`;
const pp = (x: number | null): string => (x === null ? '-' : `${signed(x * 100, 2)} pp`);
