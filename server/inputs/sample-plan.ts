import * as path from 'node:path';
import type { Preprocess } from '../../common/protocol';
import { AnalysisError } from '../errors';
import { ByteBudget, readRegular } from '../files/read-file';
import { audioLike, decodeWav, describeAudioPlan, planAudio, audioTensor, type AudioPlan } from './audio';
import { decodeImage, imageSize, sniffImage } from './image-decode';
import { readDataSet, type InputTensor } from './input-files';
import type { InputSpec, SizeOptions } from './input-specs';
import { describeImagePlan, imageLike, imageTensor, planImage, type ImagePlan } from './preprocess';
import { countKinds, type FoundSamples, type SampleEntry } from './sample-files';
import { describeTokenPlan, planTokens, tokenLike, tokenTensors, type TokenPlan } from './tokens';

/**
 * The found samples fitted to the model's inputs, decided once: which input images, clips or
 * token ids feed and how (preprocess.ts, audio.ts, tokens.ts), which inputs shared tensor files
 * feed, and the statements that say so. Samples are read one at a time, on demand, each within
 * the memory budget, so a folder of thousands of photos never sits in memory at once.
 */
export interface SamplePlan {
  count: number;
  counts: ReturnType<typeof countKinds>;
  /** "PNG", "PNG, JPEG", "PCM 16-bit WAV". */
  formats: string[];
  statements: string[];
  read(i: number): Promise<InputTensor[]>;
}

export interface PlanContext {
  specs: readonly InputSpec[];
  preprocess: Preprocess;
  sizes: SizeOptions;
  memoryBudget: number;
  /** The model, for messages. */
  file: string;
}

export async function planSamples(found: FoundSamples, ctx: PlanContext): Promise<SamplePlan> {
  const shared = found.shared.length ? await readDataSet(found.shared, new ByteBudget(ctx.memoryBudget)) : [];
  const sharedFor = assignShared(shared, ctx.specs, found.entries, ctx.file);
  const open = ctx.specs.filter((s) => !sharedFor.has(s.name));
  const first = <K extends SampleEntry['kind']>(kind: K): Extract<SampleEntry, { kind: K }> | undefined =>
    found.entries.find((e): e is Extract<SampleEntry, { kind: K }> => e.kind === kind);
  const statements: string[] = [];
  const sized = (spec: InputSpec) => (axis: number): number | undefined => {
    const d = spec.dims[axis];
    return ctx.sizes.shapes?.[spec.name]?.[axis] ?? (typeof d === 'string' ? ctx.sizes.dims[d] : undefined);
  };

  let image: ImagePlan | undefined;
  const firstImage = first('image');
  if (firstImage) {
    const spec = open.find(imageLike);
    if (!spec) throw new AnalysisError(`images were given, but no input of the model takes one (inputs: ${describe(ctx.specs)})`, { file: ctx.file });
    const bytes = await readRegular(firstImage.file, 'cannot read the image', ctx.memoryBudget);
    const format = sniffImage(bytes);
    if (!format) throw new AnalysisError('not a PNG or JPEG image (unknown signature)', { file: firstImage.file });
    image = planImage(spec, ctx.preprocess, sized(spec), imageSize(bytes, format, firstImage.file), ctx.file);
    statements.push(...describeImagePlan(image));
  }
  let audio: AudioPlan | undefined;
  if (first('audio')) {
    const spec = open.find((s) => audioLike(s) && s.name !== image?.input);
    if (!spec) throw new AnalysisError(`audio was given, but no input of the model takes a clip (inputs: ${describe(ctx.specs)})`, { file: ctx.file });
    audio = planAudio(spec, ctx.preprocess, sized(spec)(spec.dims.length - 1), ctx.file);
    statements.push(...describeAudioPlan(audio));
  }
  let tokens: TokenPlan | undefined;
  const firstTokens = first('tokens');
  if (firstTokens) {
    const specs = open.filter((s) => s.name !== image?.input && s.name !== audio?.input);
    const ids = specs.find(tokenLike);
    tokens = planTokens(specs, firstTokens.sample, ids && sized(ids)(ids.dims.length - 1), ctx.file);
    statements.push(...describeTokenPlan(tokens));
  }
  // Media samples feed one input each (tokens their own set): every other input needs shared tensors.
  const fed = new Set([...sharedFor.keys(), ...(image ? [image.input] : []), ...(audio ? [audio.input] : []), ...(tokens?.inputs.map((s) => s.name) ?? [])]);
  if (image || audio || tokens) {
    const missing = ctx.specs.filter((s) => !fed.has(s.name));
    if (missing.length)
      throw new AnalysisError(`input${missing.length > 1 ? 's' : ''} ${missing.map((s) => `'${s.name}'`).join(', ')} get${missing.length > 1 ? '' : 's'} nothing from the files given; add a tensor file for ${missing.length > 1 ? 'them' : 'it'} (.npy, .npz or .pb: read once, used for every sample)`, { file: ctx.file });
  }
  if (shared.length) statements.push(`${[...sharedFor.keys()].map((n) => `'${n}'`).join(', ')} from ${found.shared.map((f) => path.basename(f)).join(', ')}, the same for every sample`);

  const read = async (i: number): Promise<InputTensor[]> => {
    const e = found.entries[i];
    const budget = new ByteBudget(ctx.memoryBudget);
    const withShared = (t: InputTensor[]): InputTensor[] => [...t, ...[...sharedFor].map(([name, s]) => ({ ...s, name }))];
    switch (e.kind) {
      case 'tensors': return withShared(await readDataSet(e.files, budget));
      case 'tokens': {
        if (!tokens) throw new Error('token samples without a plan');
        return withShared(tokenTensors(e.sample, tokens, ctx.file));
      }
      case 'image': {
        if (!image) throw new Error('image samples without a plan');
        const plan = image;
        return withShared([await decoded(e.file, 'image', budget, (b) => imageTensor(decodeImage(b, e.file, budget.left), plan), plan)]);
      }
      case 'audio': {
        if (!audio) throw new Error('audio samples without a plan');
        const plan = audio;
        return withShared([await decoded(e.file, 'WAV file', budget, (b) => audioTensor(decodeWav(b, e.file, budget.left), plan), plan)]);
      }
    }
  };
  return { count: found.entries.length, counts: countKinds(found.entries), formats: formatsOf(found.entries), statements, read };
}

/** One media file read within the budget and turned into its input's tensor. */
async function decoded(file: string, what: string, budget: ByteBudget, tensor: (bytes: Uint8Array) => { dims: number[]; data: InputTensor['data'] }, plan: { input: string; dtype: InputTensor['dtype'] }): Promise<InputTensor> {
  const bytes = budget.taking(await readRegular(file, `cannot read the ${what}`, budget.left));
  const t = tensor(bytes);
  return { name: plan.input, dtype: plan.dtype, dims: t.dims, data: t.data, source: file };
}

/** Shared tensors by the input they feed: by name, else in order among the inputs media samples do not take. */
function assignShared(shared: readonly InputTensor[], specs: readonly InputSpec[], entries: readonly SampleEntry[], file: string): Map<string, InputTensor> {
  const out = new Map<string, InputTensor>();
  const media = entries.some((e) => e.kind !== 'tensors');
  const unnamed: InputTensor[] = [];
  for (const t of shared) {
    if (t.name !== undefined && specs.some((s) => s.name === t.name)) out.set(t.name, t);
    else unnamed.push(t);
  }
  if (!unnamed.length) return out;
  // Unnamed ones go to the inputs left after the media input(s): those that no image, clip or token can take.
  const left = specs.filter((s) => !out.has(s.name) && (!media || !(imageLike(s) || audioLike(s) || tokenLike(s))));
  if (unnamed.length > left.length)
    throw new AnalysisError(`${unnamed.length} unnamed tensor file(s) were given beside the samples, but only ${left.length} input(s) are left for them (${left.map((s) => s.name).join(', ') || 'none'}); name them (.npz entries or TensorProto names)`, { file });
  unnamed.forEach((t, i) => out.set(left[i].name, t));
  return out;
}

function formatsOf(entries: readonly SampleEntry[]): string[] {
  const f = new Set<string>();
  for (const e of entries) {
    if (e.kind === 'image') f.add(/\.png$/i.test(e.file) ? 'PNG' : 'JPEG');
    else if (e.kind === 'audio') f.add('WAV');
    else if (e.kind === 'tokens') f.add('JSON');
    else for (const x of e.files) f.add(path.extname(x).slice(1).toLowerCase() === 'pb' ? 'TensorProto' : path.extname(x).slice(1).toLowerCase());
  }
  return [...f];
}

function describe(specs: readonly InputSpec[]): string {
  return specs.map((s) => `${s.name} ${s.dtype} [${s.dims.map((d) => d ?? '?').join(', ')}]`).join('; ');
}
