import type { Report } from '../protocol';
import { activationCandidates, activationLayers, channelList, deadText, GENERATED_NOTE, GENERATED_WHY, generatedInputs, inputsText, rangeBar } from './activation-figures';
import { count, mdText, pct } from './format';

/**
 * The report's activation section: the inputs the run used and how they were preprocessed, per
 * layer the density spread over the samples (with a text range bar), dead channels, N:M groups
 * of the input activations, then the layers whose input channels are zero in every sample.
 */
export function activationMarkdown(r: Report): string[] {
  const run = r.run;
  if (!run?.ok) return [];
  const layers = activationLayers(r);
  const generated = generatedInputs(run);
  const out: string[] = ['## Activations', ''];
  if (generated) out.push(`> **Generated inputs:** ${mdText(GENERATED_WHY)}. Give real samples with \`--inputs DIR\` (images, WAV clips, token ids or tensors).`, '');
  out.push(`Inputs: ${mdText(inputsText(run))}${run.sampleSource?.paths.length ? ` from ${run.sampleSource.paths.map(mdText).join(', ')}` : ''}${run.batch && run.batch > 1 ? `; ${run.batch} samples per run` : ''}.`, '');
  for (const s of run.sampleSource?.preprocessing ?? []) out.push(`- ${mdText(s)}`);
  if (run.sampleSource?.preprocessing.length) out.push('');
  if (!layers.length) return [...out, '_No layer activations were measured._', ''];
  const nm = r.options.nm.includes('2:4') ? '2:4' : r.options.nm[0];
  const samples = run.samples;
  out.push(
    `| Layer | Op | Input density: mean (min-max over ${count(samples)} sample${samples === 1 ? '' : 's'}) | Spread 0-100% | Output density | Dead input channels | Dead output channels |${nm ? ` ${mdText(nm)} input groups |` : ''}`,
    `|---|---|---:|---|---:|---:|---:|${nm ? '---:|' : ''}`,
  );
  for (const l of layers) {
    const a = l.activation!;
    const s = a.inputSpread;
    const density = s ? `${pct(s.mean)} (${pct(s.min)}-${pct(s.max)})` : pct(a.inputDensity);
    const bar = s ? `\`${rangeBar(s.min, s.mean, s.max)}\`` : '-';
    out.push(`| ${mdText(l.name)} | ${l.opType} | ${density} | ${bar} | ${pct(a.outputDensity)} | ${deadText(a.inputChannels)} | ${deadText(a.outputChannels)} |${nm ? ` ${pct(a.nm?.[nm])} |` : ''}`);
  }
  out.push('', `_Density = nonzero share; the bar marks the lowest to highest per-sample density (\u2501) and the mean (\u25cf). A channel is dead when it is zero at every position of a sample; "+n in some samples" were dead in some but not all.${nm ? ` ${mdText(nm)} input groups: share of groups of ${nm.split(':')[1]} consecutive input channels at one position with at most ${nm.split(':')[0]} nonzeros (what a dual-sparse design can skip in structure).` : ''}${generated ? ` Every figure here rests on ${mdText(GENERATED_NOTE)}.` : ''}_`, '');
  const candidates = activationCandidates(r);
  out.push('### Activation-informed pruning candidates', '');
  if (!candidates.length) out.push('No layer has an input channel that is zero in every sample.', '');
  for (const c of candidates)
    out.push(`- **${mdText(c.layer)}** (${c.opType}): input channels ${channelList(c.dead)} (${c.dead.length} of ${c.channels}) are zero in all ${c.samples} samples: the matching weight input channels can be removed${c.macs !== null ? ` (${count(Math.round(c.macs))} MACs, ${pct(c.dead.length / c.channels)} of the layer)` : ''}.`);
  if (candidates.length) out.push('', `_Structured and activation-informed: it holds for these samples${generated ? ' (generated ones: check on real data first)' : ''}; the producing layer's matching output channels are often removable too._`, '');
  return out;
}
