import type { LayerReport, Report, TotalsEntry } from '../protocol';
import { zeroChannelEstimates } from './advice';
import { actionsMarkdown, planMarkdown, whyNotFasterMarkdown } from './advice-markdown';
import { GENERATED_NOTE, generatedInputs, inputsText } from './activation-figures';
import { activationMarkdown } from './activation-markdown';
import { costSourceText, rangeText, supportLabel, targetSummaries } from './estimate-summary';
import { bestBlock, densityStats, latencyLine, nearZeroShare, readyCount } from './figures';
import { bytes, count, mdText, pct } from './format';

/** A readable summary: model, totals, per-layer table, warnings. */
export function toMarkdown(r: Report): string {
  const m = r.model;
  const t = r.totals;
  const out: string[] = [];
  out.push(`# Sparsity report: ${mdText(m.name)}`, '');
  out.push(`| | |`, `|---|---|`);
  out.push(`| File | ${mdText(m.path)} (${bytes(m.fileBytes)}${m.externalBytes ? ` + ${bytes(m.externalBytes)} external` : ''}) |`);
  out.push(`| SHA-256 | \`${m.sha256}\` |`);
  out.push(`| Producer | ${mdText(`${m.producer.name} ${m.producer.version}`.trim()) || '-'} |`);
  out.push(`| IR / opsets | ${m.irVersion} / ${Object.entries(m.opsets).map(([d, v]) => `${mdText(d)} ${v}`).join(', ')} |`);
  out.push(`| Nodes / layers | ${count(m.nodes)} / ${count(r.layers.length)} |`);
  out.push(`| Parameters | ${count(t.params)} in ${count(t.tensors)} tensors (${bytes(t.bytes)}) |`);
  out.push(`| Weight sparsity | ${pct(t.sparsity, 2)} exact zeros, ${pct(nearZeroShare(t), 2)} near-zero (${nearRule(r)}) |`);
  out.push(`| Layer weights | ${count(t.layerWeights.params)} params, ${pct(t.layerWeights.sparsity, 2)} zeros |`);
  const ready = readyCount(r);
  if (ready) out.push(`| ${ready.nm} ready layers | ${ready.ready} of ${ready.of} |`);
  out.push(...runRows(r));
  out.push('');
  out.push(...actionsMarkdown(r));

  out.push('## Layers', '');
  const nmKeys = r.options.nm;
  const generated = generatedInputs(r.run);
  out.push(`| Layer | Op | GEMM rows x K | Params | Zeros | Near-zero | ${nmKeys.map((k) => `${k} groups`).join(' | ')} | 2:4 L1 kept | Best zero block | Zero rows | Zero in-ch | Zero K cols | Input density${generated ? ' (generated inputs)' : ''} | MACs | Time ms |`);
  out.push(`|---|---|---|---:|---:|---:|${nmKeys.map(() => '---:|').join('')}---:|---|---:|---:|---:|---:|---:|---:|`);
  for (const l of r.layers) out.push(layerRow(l, nmKeys));
  if (r.layers.length === 0) out.push('', '_No Conv/Gemm/MatMul layers in this model._');
  out.push('');

  out.push(...activationMarkdown(r));
  if (r.estimates.length) out.push('## Estimated speedups', '', ...estimatesTable(r), '');
  out.push(...whyNotFasterMarkdown(r));
  if (r.advice?.plan) out.push(...planMarkdown(r.advice.plan));
  out.push('## By op type', '', ...totalsTable(t.byOpType, 'Op type'), '');
  out.push('## By dtype', '', ...totalsTable(t.byDtype, 'Dtype'), '');
  if (r.warnings.length) out.push('## Warnings', '', ...r.warnings.map((w) => `- ${mdText(w)}`), '');
  out.push(`_Zeros are bit-exact (+0 and -0), or equal to the zero point for quantized weights. N:M groups run along K of each layer's GEMM view (rows = output channels; K channel-last for convolutions). onnx-sparsity ${r.tool.version}, schema ${r.schemaVersion}._`, '');
  return out.join('\n');
}

function runRows(r: Report): string[] {
  const run = r.run;
  if (!run) return ['| Run | not run (--no-run) |'];
  if (!run.ok) return [`| Run | failed: ${mdText(run.error ?? 'unknown error')} |`];
  const rows = [
    `| Run | onnxruntime ${run.ortVersion} on ${run.ep}${run.fallback ? ` (asked for ${run.requestedEp})` : ''}, ${run.samples} sample${run.samples === 1 ? '' : 's'} of ${run.inputs.map((i) => `${mdText(i.name)} [${i.shape.join(', ')}] ${i.dtype} (${mdText(i.source)})`).join(', ')} |`,
    `| Inputs | ${mdText(inputsText(run))}${generatedInputs(run) ? ` **(${mdText(GENERATED_NOTE)}; give real samples with \`--inputs DIR\`)**` : ''} |`,
    `| Latency | ${latencyLine(run)} |`,
  ];
  const density = densityStats(r);
  if (density) rows.push(`| Layer input density | mean ${pct(density.mean)} over ${density.n} layers (1 - share of exact zeros)${generatedInputs(run) ? ', on generated inputs' : ''} |`);
  if (r.totals.macs !== undefined) rows.push(`| MACs | ${count(r.totals.macs)} (layers ${count(r.totals.layerMacs ?? 0)}); measured kernel time ${r.totals.timeMs?.toFixed(2)} ms |`);
  return rows;
}

function nearRule(r: Report): string {
  const z = r.options.nearZero;
  // Our own words, in a table cell: only the pipes need escaping.
  return (z.relative ? `|x| <= ${z.value} x max|x| per tensor` : `|x| <= ${z.value}`).replace(/\|/g, '\\|');
}

function layerRow(l: LayerReport, nmKeys: string[]): string {
  const g = l.gemm;
  const nm = nmKeys.map((k) => {
    const x = l.nm[k];
    return x ? `${pct(x.groupShare)}${x.ready ? ' ready' : ''}` : '-';
  });
  const best = bestBlock(l);
  const name = `${mdText(l.name)}${l.note ? ` (${mdText(l.note)})` : ''}`;
  const a = l.activation;
  const run = `${a ? pct(a.inputDensity) : '-'} | ${l.macs !== undefined ? count(l.macs) : '-'} | ${l.timeMs !== undefined ? l.timeMs.toFixed(3) : '-'}`;
  return `| ${name} | ${l.opType} | ${g ? `${g.rows} x ${g.k}` : '-'} | ${count(l.params)} | ${pct(l.sparsity)} | ${pct(nearZeroShare(l))} | ${nm.join(' | ')} | ${pct(l.nm['2:4']?.l1Kept)} | ${best ? `${best[0]}: ${pct(best[1])}` : '-'} | ${g ? count(l.zeroRows) : '-'} | ${g ? count(l.zeroInputChannels) : '-'} | ${g ? count(l.zeroCols) : '-'} | ${run} |`;
}

/**
 * Targets as rows, scenarios as columns: speedup over the same target dense, with its range;
 * then per target the batch rule and what its runtime supports, in words.
 */
function estimatesTable(r: Report): string[] {
  const scenarios = [...new Set(r.estimates.map((e) => e.scenario))];
  const summaries = targetSummaries(r);
  // A target that skips zero activations priced on generated ones says so in every cell.
  const cell = (id: string, s: string): string => {
    const e = r.estimates.find((x) => x.accelerator.id === id && x.scenario === s);
    const mark = e?.activationInputs?.kind === 'generated' ? ' (generated inputs)' : '';
    return e ? `${e.speedup.toFixed(2)}x (${e.speedupRange[0].toFixed(2)}-${e.speedupRange[1].toFixed(2)})${mark}` : '-';
  };
  const kept = scenarios.map((s) => {
    const k = r.estimates.find((e) => e.scenario === s)?.l1Kept;
    return k === null || k === undefined ? '-' : pct(k);
  });
  const first = r.estimates[0];
  const draws = first?.range ? ` (${rangeText(r)})` : '';
  const z = zeroChannelEstimates(r);
  const zeros = z
    ? [`_As-is figures above 1x on dense targets rest on the ${z.rows} all-zero output channels and ${z.cols} all-zero K columns of the layer table, which the estimator counts removed ([compactable](docs/advisor.md#compactable)): runtimes compute them unless the model is exported without them._`, '']
    : [];
  const costs = costSourceText(r);
  return [
    `| Target | Sparsity it uses | Runtime support today | ${scenarios.map(mdText).join(' | ')} |`,
    `|---|---|---|${scenarios.map(() => '---:|').join('')}`,
    ...summaries.map((t) => `| ${mdText(t.accelerator.name)} | ${mdText(t.pattern)} | ${mdText(supportLabel(t.support))} | ${scenarios.map((s) => cell(t.accelerator.id, s)).join(' | ')} |`),
    `| _L1 magnitude kept_ | | | ${kept.join(' | ')} |`,
    '',
    `_Speedup = the model on the same target dense / with the sparsity its runtime uses. Ranges: every ranged number of the profile drawn jointly${draws}, the dense baseline under the same draw, never clamped. ${first ? mdText(first.assumptions.find((a) => a.startsWith('time per layer')) ?? '') : ''}.${costs ? ` ${mdText(costs)}` : ''} Formulas and sources: docs/estimator.md._`,
    '',
    ...zeros,
    '### Batch rule and runtime support per target',
    '',
    ...summaries.flatMap((t) => {
      const rule = t.lead.batchRule;
      const sup = t.support;
      return [
        `- **${mdText(t.accelerator.name)}**${rule ? ` (${mdText(t.lead.scenario)}): ${mdText(rule.text)}.` : ''}`,
        ...(sup ? [`  Support: ${mdText(`${sup.pattern} at ${sup.dtype}: ${sup.status} (${sup.date}): ${sup.reason}`)} (${mdText(sup.source)}).`] : []),
      ];
    }),
  ];
}

function totalsTable(entries: Record<string, TotalsEntry>, label: string): string[] {
  const rows = Object.entries(entries).sort((a, b) => b[1].params - a[1].params);
  return [
    `| ${label} | Tensors | Params | Zeros | Bytes |`,
    '|---|---:|---:|---:|---:|',
    ...rows.map(([k, e]) => `| ${mdText(k)} | ${count(e.tensors)} | ${count(e.params)} | ${pct(e.sparsity, 2)} | ${bytes(e.bytes)} |`),
  ];
}
