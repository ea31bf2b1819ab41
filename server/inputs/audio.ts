import { WaveFile } from 'wavefile';
import type { Preprocess } from '../../common/protocol';
import { AnalysisError } from '../errors';
import { float16Bits } from '../onnx/float16';
import type { InputData } from './input-files';
import type { InputSpec } from './input-specs';

/**
 * WAV files to a model's audio input. wavefile parses the RIFF/RIFX container and every common
 * encoding (PCM 8 to 32 bits, IEEE float 32/64, A-law, mu-law, IMA ADPCM, WAVE_FORMAT_EXTENSIBLE)
 * in pure JS; mixing to mono and resampling (windowed sinc) are ours, so their accuracy is stated
 * and tested rather than taken on trust.
 */
export interface DecodedAudio {
  sampleRate: number;
  /** One array per channel, in [-1, 1]. */
  channels: Float32Array[];
  /** "PCM 16-bit", "float 32-bit", "mu-law". */
  encoding: string;
}

export const DEFAULT_SAMPLE_RATE = 16000;

const FORMATS: Record<number, string> = { 1: 'PCM', 3: 'float', 6: 'A-law', 7: 'mu-law', 17: 'IMA ADPCM', 65534: 'extensible' };

export function decodeWav(bytes: Uint8Array, file: string, maxBytes: number): DecodedAudio {
  const wav = new WaveFile();
  try {
    wav.fromBuffer(bytes);
  } catch (e) {
    throw new AnalysisError(`not a readable WAV file: ${e instanceof Error ? e.message : String(e)}`, { file }, { cause: e });
  }
  const fmt = wav.fmt as { audioFormat: number; numChannels: number; sampleRate: number; bitsPerSample: number };
  const dataBytes = (wav.data as { chunkSize: number }).chunkSize;
  const name = FORMATS[fmt.audioFormat];
  if (!name) throw new AnalysisError(`WAV audio format ${fmt.audioFormat} is not supported (PCM, float, A-law, mu-law and IMA ADPCM are)`, { file });
  if (fmt.numChannels < 1 || fmt.sampleRate < 1) throw new AnalysisError(`WAV header gives ${fmt.numChannels} channels at ${fmt.sampleRate} Hz`, { file });
  // Compressed encodings expand to 16-bit PCM (ADPCM 4x); decoded as float64 then float32.
  const bits = Math.max(1, fmt.bitsPerSample || 4);
  const decoded = Math.ceil((dataBytes * 8) / bits) * 12;
  if (decoded > maxBytes)
    throw new AnalysisError(`WAV data of ${dataBytes} bytes would decode to about ${decoded} bytes, more than the ${maxBytes} bytes left of the memory budget`, { file });
  let encoding = `${name} ${fmt.bitsPerSample}-bit`;
  try {
    if (fmt.audioFormat === 6) wav.fromALaw();
    else if (fmt.audioFormat === 7) wav.fromMuLaw();
    else if (fmt.audioFormat === 17) wav.fromIMAADPCM();
    if (fmt.audioFormat === 6 || fmt.audioFormat === 7 || fmt.audioFormat === 17) encoding = name;
    const raw = wav.getSamples(false, Float64Array) as unknown as Float64Array | Float64Array[];
    const per = Array.isArray(raw) ? raw : [raw];
    // wavefile names float data '32f' and '64'; PCM: 8-bit is unsigned around 128, wider is signed.
    const float = wav.bitDepth === '32f' || wav.bitDepth === '64';
    const b = Number(wav.bitDepth);
    const toUnit = float ? (v: number) => v : b === 8 ? (v: number) => (v - 128) / 128 : (v: number) => v / 2 ** (b - 1);
    return { sampleRate: fmt.sampleRate, channels: per.map((c) => Float32Array.from(c, toUnit)), encoding };
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(`cannot decode the WAV audio (${encoding}): ${e instanceof Error ? e.message : String(e)}`, { file }, { cause: e });
  }
}

/** The mean of the channels. */
export function mixToMono(channels: readonly Float32Array[]): Float32Array {
  if (channels.length === 1) return channels[0];
  const out = new Float32Array(channels[0].length);
  for (const c of channels) for (let i = 0; i < out.length; i++) out[i] += c[i] / channels.length;
  return out;
}

/** Zero crossings of the sinc on each side: about 80 dB of stop band with a Hann window. */
const ZEROS = 16;

/**
 * Band-limited resampling: each output sample is the input convolved with a Hann-windowed sinc
 * whose cutoff is the lower of the two Nyquist rates (so downsampling does not alias); samples
 * past either end count as silence.
 */
export function resample(x: Float32Array, from: number, to: number): Float32Array {
  if (from === to) return x;
  const ratio = to / from;
  const cutoff = Math.min(1, ratio);
  const half = ZEROS / cutoff;
  const out = new Float32Array(Math.max(1, Math.round(x.length * ratio)));
  for (let n = 0; n < out.length; n++) {
    const t = n / ratio;
    const lo = Math.max(0, Math.ceil(t - half));
    const hi = Math.min(x.length - 1, Math.floor(t + half));
    let acc = 0;
    for (let j = lo; j <= hi; j++) {
      const d = j - t;
      const u = d * cutoff;
      const sinc = u === 0 ? 1 : Math.sin(Math.PI * u) / (Math.PI * u);
      const w = 0.5 + 0.5 * Math.cos((Math.PI * d) / half);
      acc += x[j] * cutoff * sinc * w;
    }
    out[n] = acc;
  }
  return out;
}

export interface AudioPlan {
  input: string;
  dtype: 'float32' | 'float64' | 'float16' | 'int16';
  /** The input's dims with the sample axis (last) open as -1. */
  dims: number[];
  /** Samples along the last axis when the model or the user fixes it; null: the clip's own length. */
  length: number | null;
  /** Channels the input takes (rank 3 with a fixed channel dim), else 1 (mono). */
  channels: number;
  sampleRate: number;
}

const AUDIO_DTYPES = new Set(['float32', 'float64', 'float16', 'int16']);

/** Inputs a clip can feed: rank 1 to 3, the samples along the last axis, every other dim 1 or open (a channel dim may be fixed). */
export function audioLike(spec: InputSpec): boolean {
  const d = spec.dims;
  if (!AUDIO_DTYPES.has(spec.dtype) || d.length < 1 || d.length > 3) return false;
  return d.slice(0, -1).every((x, i) => x === null || typeof x === 'string' || x === 1 || (d.length === 3 && i === 1 && typeof x === 'number' && x <= 8));
}

export function planAudio(spec: InputSpec, p: Preprocess, sizedLength: number | undefined, file: string): AudioPlan {
  if (!audioLike(spec))
    throw new AnalysisError(`input '${spec.name}' [${spec.dims.map((x) => x ?? '?').join(', ')}] (${spec.dtype}) cannot take audio: it needs the samples along its last axis, other dims 1, and a float or int16 dtype`, { file });
  const last = spec.dims[spec.dims.length - 1];
  const channels = spec.dims.length === 3 && typeof spec.dims[1] === 'number' ? spec.dims[1] : 1;
  return {
    input: spec.name, dtype: spec.dtype as AudioPlan['dtype'],
    dims: spec.dims.map((x, i) => (i === spec.dims.length - 1 ? -1 : i === 1 && spec.dims.length === 3 ? channels : 1)),
    length: typeof last === 'number' ? last : sizedLength ?? null,
    channels, sampleRate: p.sampleRate ?? DEFAULT_SAMPLE_RATE,
  };
}

export function describeAudioPlan(plan: AudioPlan): string[] {
  return [
    `audio → input '${plan.input}': ${plan.dtype}, resampled to ${plan.sampleRate} Hz (Hann-windowed sinc, ${ZEROS} zero crossings)`,
    plan.channels === 1 ? 'channels mixed to mono (their mean)' : `${plan.channels} channels as recorded (mono repeated; extra channels dropped)`,
    plan.length === null ? 'each clip at its own length' : `each clip cut or zero-padded to ${plan.length} samples`,
    plan.dtype === 'int16' ? 'values as 16-bit PCM (x 32767, clipped)' : 'values in [-1, 1]',
  ];
}

/** One clip as the input's tensor. */
export function audioTensor(a: DecodedAudio, plan: AudioPlan): { dims: number[]; data: InputData } {
  const chans = plan.channels === 1 ? [mixToMono(a.channels)] : Array.from({ length: plan.channels }, (_, c) => a.channels[Math.min(c, a.channels.length - 1)]);
  const at = chans.map((c) => resample(c, a.sampleRate, plan.sampleRate));
  const n = plan.length ?? at[0].length;
  const total = n * plan.channels;
  const out = plan.dtype === 'float64' ? new Float64Array(total) : plan.dtype === 'int16' ? new Int16Array(total) : plan.dtype === 'float16' ? new Uint16Array(total) : new Float32Array(total);
  at.forEach((c, k) => {
    for (let i = 0; i < Math.min(n, c.length); i++) {
      const v = c[i];
      out[k * n + i] = plan.dtype === 'int16' ? Math.max(-32768, Math.min(32767, Math.round(v * 32767))) : plan.dtype === 'float16' ? float16Bits(v) : v;
    }
  });
  return { dims: plan.dims.map((d) => (d === -1 ? n : d)), data: out };
}
