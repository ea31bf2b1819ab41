import type { ChannelActivity, LayerReport, Report, RunReport } from '../protocol';

/**
 * What the run's activations say, shared by the text reports and the report page: which inputs
 * they rest on (and whether those were generated), each layer's spread over the samples, and the
 * layers whose input channels are zero in every sample.
 */

/** The run measured on generated (random) inputs: every activation figure must say so. */
export function generatedInputs(run: RunReport | undefined): boolean {
  if (!run?.ok) return false;
  return run.sampleSource ? run.sampleSource.kind === 'generated' : run.inputs.every((i) => i.source === 'generated');
}

/** The inputs in a phrase: "4 images (PNG)", "generated: 1 seeded sample of N(0, 1) floats". */
export function inputsText(run: RunReport): string {
  return run.sampleSource?.text ?? run.inputs.map((i) => i.source).join(', ');
}

/** Why a figure on generated inputs says so. */
export const GENERATED_WHY = 'random data, not the model\u2019s real inputs; activation zeros measured on noise are not a property of the model';

/** The phrase every activation figure on generated inputs carries. */
export const GENERATED_NOTE = `generated inputs (${GENERATED_WHY})`;

/** Input channels zero in every sample: the weight's matching input channels (K columns) do no work. */
export interface ActivationCandidate {
  layer: string;
  opType: string;
  dead: number[];
  channels: number;
  /** Samples the channels were zero in (all of them). */
  samples: number;
  /** MACs the dead channels account for (dead / channels of the layer's MACs), when the run measured MACs. */
  macs: number | null;
}

export function activationCandidates(r: Report): ActivationCandidate[] {
  const out: ActivationCandidate[] = [];
  for (const l of r.layers) {
    const c = l.activation?.inputChannels;
    if (!c?.dead.length) continue;
    out.push({
      layer: l.name, opType: l.opType, dead: c.dead, channels: c.count, samples: l.activation?.inputSpread?.samples ?? r.run?.samples ?? 0,
      macs: l.macs !== undefined ? (l.macs * c.dead.length) / c.count : null,
    });
  }
  return out;
}

/** Layers with any activation figure, for the activation section. */
export function activationLayers(r: Report): LayerReport[] {
  return r.layers.filter((l) => l.activation && (l.activation.inputDensity !== null || l.activation.outputDensity !== null));
}

/** Dead channels in words: "4 of 32 (6 in some samples)". */
export function deadText(c: ChannelActivity | undefined): string {
  if (!c) return '-';
  const some = c.sometimesDead - c.dead.length;
  return `${c.dead.length} of ${c.count}${some > 0 ? ` (+${some} in some samples)` : ''}`;
}

/** Channel indices, shortened: "0, 8, 16, 24" or "0-3, 9, ... (40 in all)". */
export function channelList(dead: readonly number[], most = 12): string {
  const runs: string[] = [];
  for (let i = 0; i < dead.length; ) {
    let j = i;
    while (j + 1 < dead.length && dead[j + 1] === dead[j] + 1) j++;
    runs.push(j > i + 1 ? `${dead[i]}-${dead[j]}` : j === i + 1 ? `${dead[i]}, ${dead[j]}` : `${dead[i]}`);
    i = j + 1;
  }
  const text = runs.slice(0, most).join(', ');
  return runs.length > most ? `${text}, ... (${dead.length} in all)` : text;
}

/**
 * A density spread as a text bar over 0-100%: `━` where the per-sample densities lie, `●` at
 * their mean, `·` elsewhere. One cell is 1/width of the scale.
 */
export function rangeBar(min: number, mean: number, max: number, width = 20): string {
  const cell = (x: number): number => Math.min(width - 1, Math.max(0, Math.floor(x * width)));
  const lo = cell(min);
  const hi = cell(max);
  const at = cell(mean);
  let s = '';
  for (let i = 0; i < width; i++) s += i === at ? '\u25cf' : i >= lo && i <= hi ? '\u2501' : '\u00b7';
  return s;
}
