import type { Preprocess } from '../../common/protocol';
import { DEFAULT_PRESET, PRESETS, type Preset } from '../../common/presets';
import { AnalysisError } from '../errors';
import { float16Bits } from '../onnx/float16';
import type { DecodedImage } from './image-decode';
import type { InputData } from './input-files';
import type { InputSpec } from './input-specs';
import { resizeImage, type ResizeMode } from './resize';

/**
 * How an image becomes a model's input: a named preset (scale, mean, std, channel order:
 * common/presets.ts) with the user's overrides on top, and what the input's declared shape
 * decides (layout, channels, size). Every choice is stated in words for the report, so a figure
 * can be traced to it.
 */

/** Everything decided about one image input, once for all samples. */
export interface ImagePlan {
  input: string;
  dtype: 'float32' | 'float16' | 'float64' | 'uint8';
  layout: 'nchw' | 'nhwc';
  /** The input has a batch dim (rank 4) or not (rank 3). */
  batched: boolean;
  channels: 1 | 3 | 4;
  height: number;
  width: number;
  order: 'rgb' | 'bgr';
  scale: number;
  mean: number[];
  std: number[];
  resize: ResizeMode;
  preset: string;
  /** Where each decision came from, for the statements. */
  why: { layout: string; size: string };
}

const IMAGE_DTYPES = new Set(['float32', 'float16', 'float64', 'uint8']);

/** Inputs an image can feed: rank 3 or 4 of a dtype pixels fit. */
export function imageLike(spec: InputSpec): boolean {
  return (spec.dims.length === 4 || spec.dims.length === 3) && IMAGE_DTYPES.has(spec.dtype);
}

const channelCount = (d: number | string | null): 1 | 3 | 4 | undefined => (typeof d === 'number' && (d === 1 || d === 3 || d === 4) ? (d as 1 | 3 | 4) : undefined);

export function presetOf(p: Preprocess): Preset & { name: string } {
  const name = p.preset ?? DEFAULT_PRESET;
  const preset = PRESETS[name];
  if (!preset) throw new AnalysisError(`unknown preprocessing preset '${name}' (known: ${Object.keys(PRESETS).join(', ')})`);
  return { ...preset, name };
}

/**
 * The plan for `spec`: layout from --layout or from which axis holds 1, 3 or 4 channels; size
 * from --size, else the input's fixed H and W, else `sized` (the sizes given for its dims), else
 * the first image's own.
 */
export function planImage(spec: InputSpec, p: Preprocess, sized: (axis: number) => number | undefined, first: { width: number; height: number }, file: string): ImagePlan {
  const where = `input '${spec.name}' [${spec.dims.map((d) => d ?? '?').join(', ')}]`;
  if (!imageLike(spec)) throw new AnalysisError(`${where} (${spec.dtype}) cannot take an image: it needs rank 3 or 4 and a float or uint8 dtype`, { file });
  const batched = spec.dims.length === 4;
  const d = batched ? spec.dims : [1, ...spec.dims];
  let layout: 'nchw' | 'nhwc';
  let why: string;
  if (p.layout) [layout, why] = [p.layout, 'as given'];
  else if (channelCount(d[1])) [layout, why] = ['nchw', `channels first: the input's dim ${batched ? 1 : 0} is ${d[1]}`];
  else if (channelCount(d[3])) [layout, why] = ['nhwc', `channels last: the input's last dim is ${d[3]}`];
  else [layout, why] = ['nchw', 'channels first (the input does not fix its channel count)'];
  const [cAxis, hAxis, wAxis] = layout === 'nchw' ? [1, 2, 3] : [3, 1, 2];
  const declaredC = d[cAxis];
  const channels = declaredC === null || typeof declaredC === 'string' ? 3 : channelCount(declaredC);
  if (!channels) throw new AnalysisError(`${where} has ${declaredC} channels in ${layout.toUpperCase()}; images give 1 (gray), 3 (RGB) or 4 (RGBA)`, { file });
  if (batched && typeof d[0] === 'number' && d[0] !== 1)
    throw new AnalysisError(`${where} fixes its batch at ${d[0]}; an image is one sample of batch 1: give tensors (.npy) for this input`, { file });
  const fixedH = typeof d[hAxis] === 'number' ? (d[hAxis] as number) : undefined;
  const fixedW = typeof d[wAxis] === 'number' ? (d[wAxis] as number) : undefined;
  let size: [number, number];
  let sizeWhy: string;
  if (p.size) {
    if ((fixedH !== undefined && fixedH !== p.size[0]) || (fixedW !== undefined && fixedW !== p.size[1]))
      throw new AnalysisError(`${where} fixes its size at ${fixedH ?? '?'} x ${fixedW ?? '?'}; --size ${p.size[0]}x${p.size[1]} does not fit`, { file });
    [size, sizeWhy] = [p.size, 'as given'];
  } else if (fixedH !== undefined && fixedW !== undefined) [size, sizeWhy] = [[fixedH, fixedW], "the input's fixed size"];
  else {
    const off = batched ? 0 : 1;
    const h = fixedH ?? sized(hAxis - off);
    const w = fixedW ?? sized(wAxis - off);
    if (h !== undefined && w !== undefined) [size, sizeWhy] = [[h, w], 'the sizes given for the input\'s dims'];
    else [size, sizeWhy] = [[h ?? first.height, w ?? first.width], "the first image's size (the input leaves it open; --size HxW sets it)"];
  }
  const preset = presetOf(p);
  const fit = (v: number[] | undefined, name: 'mean' | 'std', fallback: number[]): number[] => {
    const x = v ?? fallback;
    if (x.length === channels) return x;
    if (x.length === 1) return Array.from({ length: channels }, () => x[0]);
    // Gray from a 3-channel convention: its average; RGBA: alpha gets none.
    if (x.length === 3 && channels === 1) return [(x[0] + x[1] + x[2]) / 3];
    if (x.length === 3 && channels === 4) return [...x, name === 'mean' ? 0 : 1];
    throw new AnalysisError(`--${name} has ${x.length} values; ${where} has ${channels} channels`, { file });
  };
  const std = fit(p.std, 'std', preset.std);
  if (std.some((s) => !(s !== 0 && Number.isFinite(s)))) throw new AnalysisError('--std values must be finite and not 0', { file });
  return {
    input: spec.name, dtype: spec.dtype as ImagePlan['dtype'], layout, batched, channels, height: size[0], width: size[1],
    order: p.channels ?? preset.channels, scale: p.scale ?? preset.scale, mean: fit(p.mean, 'mean', preset.mean), std,
    resize: p.resize ?? 'stretch', preset: preset.name, why: { layout: why, size: sizeWhy },
  };
}

/** The plan in words, one statement per decision. */
export function describeImagePlan(plan: ImagePlan): string[] {
  const list = (x: number[]): string => `[${x.map((v) => +v.toPrecision(6)).join(', ')}]`;
  const preset = PRESETS[plan.preset];
  const custom = plan.scale !== preset.scale || list(plan.mean) !== list(fitLength(preset.mean, plan.channels)) || list(plan.std) !== list(fitLength(preset.std, plan.channels));
  const resize = plan.resize === 'stretch' ? `stretched to ${plan.height} x ${plan.width}` : plan.resize === 'crop' ? `scaled to cover ${plan.height} x ${plan.width}, centre cropped` : `scaled to fit ${plan.height} x ${plan.width}, padded with 0`;
  const order = plan.channels === 1 ? 'gray (0.299 R + 0.587 G + 0.114 B)' : plan.channels === 4 ? `${plan.order.toUpperCase()}A` : plan.order.toUpperCase();
  return [
    `images → input '${plan.input}': ${plan.layout.toUpperCase()} ${plan.dtype} (${plan.why.layout})`,
    `size ${plan.height} x ${plan.width} (${plan.why.size}): ${resize} (triangle filter, antialiased)`,
    `channels ${order}${plan.channels !== 4 ? ' (any alpha dropped)' : ''}`,
    plan.dtype === 'uint8'
      ? 'uint8 input: pixel values as they are (no scale, mean or std)'
      : `values: x * ${+plan.scale.toPrecision(6)}, then (x - mean) / std with mean ${list(plan.mean)}, std ${list(plan.std)} (preset ${plan.preset}${custom ? ', changed' : `: ${preset.text}`})`,
  ];
}

function fitLength(x: number[], n: number): number[] {
  return x.length === n ? x : x.length === 1 ? Array.from({ length: n }, () => x[0]) : x.length === 3 && n === 1 ? [(x[0] + x[1] + x[2]) / 3] : [...x, 0].slice(0, n);
}

/** One image as the input's tensor: dims with batch 1 (rank 4) or without (rank 3). */
export function imageTensor(img: DecodedImage, plan: ImagePlan): { dims: number[]; data: InputData } {
  const { width: W, height: H, channels: C } = plan;
  const r = resizeImage(img.rgba, img.width, img.height, W, H, plan.resize);
  const n = H * W * C;
  const out = plan.dtype === 'float64' ? new Float64Array(n) : plan.dtype === 'uint8' ? new Uint8Array(n) : plan.dtype === 'float16' ? new Uint16Array(n) : new Float32Array(n);
  const src = C === 1 ? [-1] : plan.order === 'bgr' ? [2, 1, 0, 3] : [0, 1, 2, 3];
  const chw = plan.layout === 'nchw';
  const at = (c: number, p: number): number => (chw ? c * H * W + p : p * C + c);
  for (let p = 0; p < H * W; p++) {
    const q = p * 4;
    const covered = !r.covered || r.covered[p] === 1;
    for (let c = 0; c < C; c++) {
      const s = src[c];
      const v = s < 0 ? 0.299 * r.rgba[q] + 0.587 * r.rgba[q + 1] + 0.114 * r.rgba[q + 2] : r.rgba[q + s];
      if (plan.dtype === 'uint8') {
        out[at(c, p)] = covered ? Math.min(255, Math.max(0, Math.round(v))) : 0;
        continue;
      }
      const x = covered ? (v * plan.scale - plan.mean[c]) / plan.std[c] : 0;
      out[at(c, p)] = plan.dtype === 'float16' ? float16Bits(x) : x;
    }
  }
  const dims = chw ? [C, H, W] : [H, W, C];
  return { dims: plan.batched ? [1, ...dims] : dims, data: out };
}
