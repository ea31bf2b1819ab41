import type { LayerReport, Report } from '../protocol';
import { headline, verdictCounts, zeroChannelsNote } from './advice';
import { activationCandidates, generatedInputs, inputsText } from './activation-figures';
import { supportLabel, targetSummaries } from './estimate-summary';
import { densityStats, latencyLine, mainPattern, nearZeroShare, readyCount } from './figures';
import { bytes, count, pct } from './format';

/** Columns a terminal report keeps within. */
export const TEXT_WIDTH = 100;
/** Layers listed: the ones with the most parameters; the JSON, Markdown and HTML reports list all. */
const LAYER_ROWS = 20;

/**
 * The report for a terminal (the CLI's default there): the figures that answer "how sparse, and
 * what would it buy", every line within TEXT_WIDTH columns, no Markdown syntax. Model-supplied
 * names are cut to fit and stripped of control characters, so they cannot move the cursor.
 */
export function toText(r: Report): string {
  const m = r.model;
  const t = r.totals;
  const out: string[] = [];
  const line = (label: string, value: string): void => void out.push(fit(`${label.padEnd(16)} ${value}`));
  out.push(fit(`${safe(m.name)}  (${bytes(m.fileBytes)}${m.externalBytes ? ` + ${bytes(m.externalBytes)} external` : ''}, ${count(m.nodes)} nodes, ${count(r.layers.length)} layers)`));
  line('Parameters', `${count(t.params)} in ${count(t.tensors)} tensors (${bytes(t.bytes)})`);
  line('Weight sparsity', `${pct(t.sparsity, 2)} exact zeros, ${pct(nearZeroShare(t), 2)} near-zero`);
  const ready = readyCount(r);
  if (ready) line(`${ready.nm} ready`, `${ready.ready} of ${ready.of} layers`);
  out.push(...runLines(r, line));
  out.push(...adviceLines(r));
  const layers = [...r.layers].sort((a, b) => b.params - a.params).slice(0, LAYER_ROWS);
  if (layers.length) out.push('', ...layerTable(layers, mainPattern(r) ?? r.options.nm[0], r.layers.length));
  const targets = targetSummaries(r);
  if (targets.length) out.push('', ...estimateLines(r, targets));
  if (r.warnings.length) out.push('', `Warnings (${r.warnings.length}):`, ...r.warnings.slice(0, 5).map((w) => fit(`  - ${safe(w)}`)));
  out.push('', 'Every figure and layer: --format md, json or html. How each is computed: docs/.');
  return out.join('\n') + '\n';
}

function runLines(r: Report, line: (label: string, value: string) => void): string[] {
  const run = r.run;
  if (!run) line('Run', 'not run (--no-run)');
  else if (!run.ok) line('Run', `failed: ${safe(run.error ?? 'unknown error')}`);
  else {
    line('Run', `onnxruntime ${run.ortVersion} on ${run.ep}, ${run.samples} sample${run.samples === 1 ? '' : 's'}, inputs ${run.inputs.map((i) => `${safe(i.name)} [${i.shape.join(',')}] (${safe(i.source)})`).join(', ')}`);
    const generated = generatedInputs(run);
    line('Samples', generated ? `${safe(inputsText(run))}: GENERATED INPUTS, activation figures are not the model's (give real ones: --inputs DIR)` : safe(inputsText(run)));
    line('Latency', latencyLine(run));
    const d = densityStats(r);
    if (d) line('Input density', `mean ${pct(d.mean)} over ${d.n} layers, lowest ${pct(d.min)} (${safe(d.minLayer)})${generated ? ', generated inputs' : ''}`);
    const dead = activationCandidates(r);
    if (dead.length) line('Dead inputs', `${dead.length} layer${dead.length === 1 ? ' has' : 's have'} input channels zero in every sample (pruning candidates: --format md)`);
    if (r.totals.macs !== undefined) line('MACs', `${count(r.totals.macs)} (layers ${count(r.totals.layerMacs ?? 0)})`);
  }
  return [];
}

/** The headline on the focus targets and what to do, ranked, each action within one line where it fits. */
function adviceLines(r: Report): string[] {
  const a = r.advice;
  if (!a) return [];
  const heads = headline(r);
  const out = ['', fit(`As it is: ${heads.map((h) => `${h.target.name} ${h.asIs.speedup.toFixed(2)}x${zeroChannelsNote(h) ? ' (zero channels removed)' : ''}`).join('; ') || '-'}`)];
  if (a.actions.length) {
    out.push('What to do:');
    for (const [i, x] of a.actions.entries()) out.push(...wrap(`${i + 1}. ${safe(x.text)}`, '   '), ...wrap(`   how: ${safe(x.how)}`, '        '));
  } else out.push(fit(`Nothing gains 1% or more on ${heads.map((h) => h.target.name).join(' or ') || 'the focus targets'} at this size.`));
  for (const id of a.focus.targets.slice(0, 2)) {
    const counts = verdictCounts(r, id);
    if (counts.length) out.push(...wrap(`Why not faster on ${id}: ${counts.map(([label, n]) => `${n} x ${label}`).join('; ')}`, '  '));
  }
  return out;
}

/** Words folded at spaces to TEXT_WIDTH, later lines indented. */
function wrap(s: string, indent: string): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of s.split(' ')) {
    if (line && line.length + 1 + word.length > TEXT_WIDTH) {
      out.push(line);
      line = indent + word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(fit(line));
  return out.map(fit);
}

function layerTable(layers: readonly LayerReport[], nm: string, total: number): string[] {
  const head = `${'Layer'.padEnd(34)} ${'Op'.padEnd(10)} ${'rows x K'.padStart(13)} ${'zeros'.padStart(7)} ${`${nm} grp`.padStart(8)} ${'in dens'.padStart(7)} ${'MACs'.padStart(10)}`;
  const rows = layers.map((l) => {
    const g = l.gemm ? `${l.gemm.rows} x ${l.gemm.k}` : '-';
    const share = l.nm[nm];
    const groups = share ? `${pct(share.groupShare, 0)}${share.ready ? '*' : ''}` : '-';
    return fit(`${cut(safe(l.name), 34).padEnd(34)} ${cut(l.opType, 10).padEnd(10)} ${g.padStart(13)} ${pct(l.sparsity, 1).padStart(7)} ${groups.padStart(8)} ${pct(l.activation?.inputDensity, 0).padStart(7)} ${compactCount(l.macs).padStart(10)}`);
  });
  const title = total > layers.length ? `Layers (the ${layers.length} largest of ${total}; * = ${nm}-ready):` : `Layers (* = ${nm}-ready):`;
  return [title, head, ...rows];
}

function estimateLines(r: Report, targets: ReturnType<typeof targetSummaries>): string[] {
  const scenarios = [...new Set(r.estimates.map((e) => e.scenario))];
  const head = `${'Target'.padEnd(30)} ${scenarios.map((s) => cut(s, 14).padStart(14)).join(' ')}  support`;
  const rows = targets.map((t) => {
    const cells = scenarios.map((s) => {
      const e = r.estimates.find((x) => x.accelerator.id === t.accelerator.id && x.scenario === s);
      return (e ? `${e.speedup.toFixed(2)}x${e.activationInputs?.kind === 'generated' ? ' (gen)' : ''}` : '-').padStart(14);
    });
    const support = t.support ? `${t.support.status}: ${t.support.pattern} ${t.support.dtype}` : supportLabel(undefined);
    return fit(`${cut(t.accelerator.id, 30).padEnd(30)} ${cells.join(' ')}  ${support}`);
  });
  const gen = r.estimates.some((e) => e.activationInputs?.kind === 'generated') ? ['(gen): weight x activation targets priced on activation densities of generated inputs'] : [];
  return ['Estimated speedup over the same chip dense:', fit(head), ...rows, ...gen];
}

/** Model-supplied text on a terminal: no control characters (escape sequences), one line. */
function safe(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f-\u009f]+/g, ' ');
}

function cut(s: string, n: number): string {
  return s.length <= n ? s : `${s.slice(0, n - 1)}~`;
}

function fit(s: string): string {
  return cut(s, TEXT_WIDTH);
}

function compactCount(n: number | undefined): string {
  if (n === undefined) return '-';
  const units: [number, string][] = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
  const u = units.find(([v]) => n >= v);
  return u ? `${(n / u[0]).toFixed(1)} ${u[1]}` : String(n);
}
