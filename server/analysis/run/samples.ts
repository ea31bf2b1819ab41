import type { RunOptions, RunReport, SampleSource } from '../../../common/protocol';
import { AnalysisError } from '../../errors';
import { dtypeByName, rawByteLength } from '../../onnx/dtypes';
import type { LoadedModel } from '../../onnx/load';
import { product } from '../../onnx/tensor';
import type { InputTensor } from '../../inputs/input-files';
import { graphInputs, resolveShapes, type InputSpec } from '../../inputs/input-specs';
import { findSamples } from '../../inputs/sample-files';
import { planSamples, type SamplePlan } from '../../inputs/sample-plan';
import { feedsFromFiles, generateFeeds, type Feeds } from './activation-inputs';

/** Samples a run takes at most from the user's files (the same bound as --samples). */
export const MAX_SAMPLES = 10_000;

/**
 * The run's samples, read one at a time: the user's files (a sample per image, clip, token entry,
 * tensor file or test_data_set; tensor files named together make one) or `samples` seeded samples
 * generated for every input's dtype and shape. Decoded feeds are kept while they fit a quarter of
 * the memory budget, so the passes over them (probes, copy-out batches, the inputs' own
 * statistics) decode a folder of photos once when it is small and stay bounded when it is not.
 */
export interface Samples {
  specs: InputSpec[];
  count: number;
  /** Sample 0's feeds: the shapes every static decision starts from. */
  first: Feeds;
  feeds(i: number): Promise<Feeds>;
  described: RunReport['inputs'];
  source: SampleSource;
}

export async function prepareSamples(model: LoadedModel, o: RunOptions): Promise<Samples> {
  const specs = graphInputs(model);
  let load: (i: number) => Promise<Feeds>;
  let count: number;
  let source: SampleSource;
  let sources: (first: Feeds) => string[];
  if (o.inputs.length) {
    const found = await findSamples(o.inputs, o.memoryBudget);
    const plan = await planSamples(found, { specs, preprocess: o.preprocess, sizes: o, memoryBudget: o.memoryBudget, file: model.path });
    count = Math.min(plan.count, o.maxSamples || MAX_SAMPLES);
    let firstTensors: InputTensor[] = [];
    load = async (i) => {
      const tensors = await plan.read(i);
      if (i === 0) firstTensors = tensors;
      return feedsFromFiles(specs, tensors, model.path);
    };
    source = filesSource(plan, count, found.paths, found.ignored);
    sources = () => specs.map((s, k) => {
      const t = firstTensors.find((x) => x.name === s.name) ?? firstTensors[k];
      const from = t?.source ?? 'file';
      return count > 1 && !sharedSource(from, found.shared) ? `${from} and ${count - 1} more` : from;
    });
  } else {
    const shapes = resolveShapes(specs, o, model.path);
    const bytes = specs.reduce((sum, s, k) => sum + rawByteLength(dtypeByName(s.dtype), product(shapes[k])), 0);
    if (bytes > o.memoryBudget)
      throw new AnalysisError(`the inputs would take ${bytes} bytes, more than the memory budget (${o.memoryBudget}); give smaller --dim values`, { file: model.path });
    count = o.samples;
    load = async (i) => generateFeeds(specs, shapes, i, { intRange: o.intRange, seed: o.seed }, model.path);
    source = generatedSource(specs, o, count);
    sources = () => specs.map(() => 'generated');
  }
  const cache = new Map<number, Feeds>();
  let cached = 0;
  const feeds = async (i: number): Promise<Feeds> => {
    const hit = cache.get(i);
    if (hit) return hit;
    const f = await load(i);
    const size = Object.values(f).reduce((s, t) => s + (t.data as ArrayBufferView).byteLength, 0);
    if (cached + size <= o.memoryBudget / 4) {
      cache.set(i, f);
      cached += size;
    }
    return f;
  };
  const first = await feeds(0);
  const from = sources(first);
  const described = specs.map((s, k) => ({ name: s.name, dtype: s.dtype, shape: [...first[s.name].dims], source: from[k] }));
  return { specs, count, first, feeds, described, source };
}

const sharedSource = (source: string, shared: readonly string[]): boolean => shared.some((f) => source === f || source.startsWith(`${f}:`));

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

function filesSource(plan: SamplePlan, used: number, paths: string[], ignored: number): SampleSource {
  const c = plan.counts;
  const parts = [
    c.images && plural(c.images, 'image', 'images'), c.audio && plural(c.audio, 'audio clip', 'audio clips'),
    c.tokens && plural(c.tokens, 'token sample', 'token samples'), c.tensors && plural(c.tensors, 'tensor sample', 'tensor samples'),
  ].filter(Boolean);
  const capped = used < plan.count ? `; ran the first ${used} of ${plan.count}` : '';
  const skipped = ignored ? `; ${plural(ignored, 'other file', 'other files')} skipped` : '';
  return {
    kind: 'files', found: plan.count, used, counts: c, paths, ignored, preprocessing: plan.statements,
    text: `${parts.join(', ')} (${plan.formats.join(', ')})${capped}${skipped}`,
  };
}

function generatedSource(specs: readonly InputSpec[], o: RunOptions, count: number): SampleSource {
  const kinds = new Set(specs.map((s) => (s.dtype.startsWith('float') ? 'float' : s.dtype === 'bool' ? 'bool' : 'int')));
  const parts = [kinds.has('float') && 'N(0, 1) floats', kinds.has('int') && `integers in ${o.intRange[0]}:${o.intRange[1]}`, kinds.has('bool') && 'random bools'].filter(Boolean);
  return {
    kind: 'generated', found: count, used: count, counts: { images: 0, audio: 0, tokens: 0, tensors: 0 }, paths: [], ignored: 0, preprocessing: [],
    text: `generated: ${plural(count, 'seeded sample', 'seeded samples')} of ${parts.join(', ') || 'no inputs'}`,
  };
}
