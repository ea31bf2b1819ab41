import type { AdviceAction, PruneOutcome, PruningPlan, Report } from '../protocol';
import { headline, verdictCounts, verdictDoc, zeroChannelsNote } from './advice';
import { count, mdText, pct, sig } from './format';

/** The advice as Markdown: the action list and headline at the top, "Why not faster", the plan, a prune's outcome. */

const x2 = (x: number): string => `${x.toFixed(2)}x`;

function actionLine(a: AdviceAction): string {
  const range = a.speedupRange[0].toFixed(2) === a.speedupRange[1].toFixed(2) ? '' : ` (${a.speedupRange.map((v) => v.toFixed(2)).join('-')})`;
  return `${mdText(a.text)}${range}. _${mdText(a.basis)}; how: ${mdText(a.how)}${a.batchRule ? `; ${mdText(a.batchRule)}` : ''}_`;
}

/** "What to do": the headline on the focus targets, then the ranked actions. */
export function actionsMarkdown(r: Report): string[] {
  const a = r.advice;
  if (!a) return [];
  const heads = headline(r);
  const out = ['## What to do', ''];
  const chosen = a.focus.chosen === 'user' ? 'your targets' : 'the default pair of targets (choose yours with --target or the onnxSparsity.targets setting)';
  out.push(`Speedup as it is on ${chosen}: ${heads.map((h) => `**${mdText(h.target.name)}** ${x2(h.asIs.speedup)}${zeroChannelsNote(h) ? ` (${zeroChannelsNote(h)})` : ''}`).join('; ') || '-'}.`, '');
  if (a.actions.length) out.push(...a.actions.map((x, i) => `${i + 1}. ${actionLine(x)}`));
  else out.push(`No action gains 1% or more on ${heads.map((h) => mdText(h.target.name)).join(' or ') || 'the focus targets'} at this size; "Why not faster" below says why, layer by layer.`);
  if (a.elsewhere.length) out.push('', 'On other targets:', '', ...a.elsewhere.map((x) => `- ${actionLine(x)}`));
  for (const n of a.notes) out.push('', `_${mdText(n)}_`);
  out.push('');
  return out;
}

/** Per focus target: how many layers got each verdict, then every layer with its verdict (linked to its paragraph). */
export function whyNotFasterMarkdown(r: Report): string[] {
  const a = r.advice;
  if (!a || !a.verdicts.length) return [];
  const out = ['## Why not faster', '', '_Each code links to its paragraph in docs/advisor.md._', ''];
  for (const id of a.focus.targets) {
    const name = r.estimates.find((e) => e.accelerator.id === id)?.accelerator.name ?? id;
    out.push(`### ${mdText(name)}`, '', verdictCounts(r, id).map(([label, n]) => `${n} x ${mdText(label)}`).join('; '), '');
    out.push('| Layer | Op | Verdict | Why | Also |', '|---|---|---|---|---|');
    for (const v of a.verdicts) {
      const list = v.targets[id] ?? [];
      if (!list.length) continue;
      const [first, ...rest] = list;
      const link = (x: typeof first): string => `[${mdText(x.label)}](${verdictDoc(x.code)})`;
      out.push(`| ${mdText(v.layer)} | ${mdText(r.layers[v.index]?.opType ?? '')} | ${link(first)} | ${mdText(first.text)} | ${rest.map((x) => `${link(x)}: ${mdText(x.text)}`).join('; ') || '-'} |`);
    }
    out.push('');
  }
  return out;
}

/** The plan: its estimate, then every layer it prunes (and those it leaves, with why). */
export function planMarkdown(p: PruningPlan, heading = '## Pruning plan'): string[] {
  const e = p.estimate;
  const changed = p.layers.filter((l) => l.prune !== 'as-is');
  const out = [
    heading, '',
    `For **${mdText(p.target.name)}**, keeping at least ${pct(p.budget.keep)} of the layers' L1 magnitude${p.budget.leave.length ? `, leaving ${p.budget.leave.map(mdText).join(', ')} as they are` : ''}: ` +
      `${x2(e.speedup)} (${e.speedupRange.map((v) => v.toFixed(2)).join('-')}) over the model dense, against ${x2(e.asIsSpeedup)} as it is; keeps ${pct(e.l1Kept)} of L1. ${changed.length} of ${count(p.layers.length)} layers pruned.`,
    '',
    '| Layer | Op | Prune | L1 kept | Time ms (dense / planned) | Why |', '|---|---|---|---:|---:|---|',
    ...p.layers.map((l) => `| ${mdText(l.name)} | ${mdText(l.opType)} | ${mdText(l.prune)} | ${pct(l.l1Kept)} | ${ms(l.denseTimeMs)} / ${ms(l.timeMs)} | ${mdText(l.why)} |`),
    '',
    `_Objective: ${mdText(p.objective)}. Front: ${p.front.length} points from ${pct(p.front[0]?.l1Kept)} kept (${x2(p.front[0]?.speedup ?? 1)}) to ${pct(p.front[p.front.length - 1]?.l1Kept)} (${x2(p.front[p.front.length - 1]?.speedup ?? 1)}). Write it with onnx-sparsity plan MODEL --target ${mdText(p.target.id)} --keep ${p.budget.keep} --out plan.json; apply it with onnx-sparsity prune MODEL --plan plan.json._`,
    ...p.notes.map((n) => `_${mdText(n)}_`),
    '',
  ];
  return out;
}

const ms = (x: number | null): string => (x === null ? '-' : x < 0.001 ? x.toExponential(2) : x.toPrecision(3));

/** `prune`'s outcome: the copy, whether it holds the plan, drift per output, latency here, estimates. */
export function pruneMarkdown(o: PruneOutcome): string {
  const l = o.latency;
  const stat = (label: string, s: typeof l.original): string => `| ${label} | ${s.p50.toFixed(3)} | ${s.p90.toFixed(3)} | ${s.p99.toFixed(3)} | ${(s.p99 / s.p50).toFixed(2)} |`;
  const ok = o.layers.filter((x) => x.ok).length;
  const out = [
    `# Pruned copy: ${mdText(o.copy.path)}`, '',
    `From ${mdText(o.model.path)} by the plan for ${mdText(o.plan.target.name)} (keep ${pct(o.plan.keep)})${o.plan.file ? `, ${mdText(o.plan.file)}` : ''}. ` +
      `${count(o.copy.bytes)} bytes${o.copy.externalData ? `, external data in ${mdText(o.copy.externalData)}` : ''}; sha256 \`${o.copy.sha256}\`.`, '',
    `## The plan in the copy (${ok} of ${o.layers.length} layers as planned, weights re-measured)`, '',
    '| Layer | Planned | Measured in the copy | As planned |', '|---|---|---|---|',
    ...o.layers.map((x) => `| ${mdText(x.name)} | ${mdText(x.prune)} | ${mdText(x.measured)} | ${x.ok ? 'yes' : '**no**'} |`),
    '',
    `## Output drift (${o.drift.samples} sample${o.drift.samples === 1 ? '' : 's'}: ${o.drift.inputs.map((i) => `${mdText(i.name)} [${i.shape.join(', ')}] (${mdText(i.source)})`).join(', ')})`, '',
    '| Output | Shape | Max abs | Relative L2 | Cosine | Top-1 agreement |', '|---|---|---:|---:|---:|---:|',
    ...o.drift.outputs.map((d) => d.skipped
      ? `| ${mdText(d.name)} | [${d.shape.join(', ')}] | - | - | - | ${mdText(d.skipped)} |`
      : `| ${mdText(d.name)} | [${d.shape.join(', ')}] ${d.dtype} | ${sig(d.maxAbs)} | ${sig(d.relL2)} | ${sig(d.cosine)} | ${d.top1 ? `${pct(d.top1.agreement)} of ${count(d.top1.rows)} rows` : '-'} |`),
    '',
    `## Latency here (${l.iterations} runs each, onnxruntime ${l.ortVersion} on ${l.ep}, ${mdText(l.machine.cpu)})`, '',
    '| ms | p50 | p90 | p99 | p99/p50 |', '|---|---:|---:|---:|---:|',
    stat('original', l.original), stat('pruned copy', l.pruned), '',
    `Measured ${x2(l.measuredSpeedup)} (p50 over p50).`, ...l.warnings.map((w) => `\n**Warning:** ${mdText(w)}`), '',
    '## Estimates as-is', '',
    '| Target | Original | Pruned copy | The plan predicted |', '|---|---:|---:|---:|',
    ...o.estimates.map((e) => `| ${mdText(e.target.name)} | ${e.original === null ? '-' : x2(e.original)} | ${e.pruned === null ? '-' : x2(e.pruned)} | ${e.planned === null ? '-' : x2(e.planned)} |`),
    '',
    ...o.warnings.map((w) => `- ${mdText(w)}`),
    '',
  ];
  return out.join('\n');
}
