/**
 * Writes the benchmark models once into a cache folder outside the repository and reuses them:
 * a manifest written last records the layer specs and every file's size; a model is rebuilt when
 * its manifest is missing, stale, or a file's size differs.
 */
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { writeSafely } from '../server/files/safe-write';
import { LLM_LAYERS, llmBands } from './bench-llm';
import { ModelBuilder } from '../server/onnx/builder';
import {
  EXTERNAL_LAYERS, FP16_LAYERS, INLINE_LAYERS, SMALL_LAYERS, UINT8_LAYERS, bytesOf, encodeBand, layerBands, zeroPoints, type LayerSpec,
} from './bench-layers';

const FORMAT = 1;
const ALIGN = 4096;
const T = onnx.TensorProto.DataType;
const DATA_TYPE = { float32: T.FLOAT, float16: T.FLOAT16, uint8: T.UINT8 } as const;

export interface BenchModel {
  label: string;
  /** The .onnx file. */
  file: string;
  /** Every file of the model (the .onnx and its external data). */
  files: string[];
  layers: LayerSpec[];
  weightBytes: number;
  built: boolean;
  buildMs: number;
}

export function cacheDir(): string {
  return process.env.ONNX_SPARSITY_BENCH_DIR || path.join(os.homedir(), '.cache', 'onnx-sparsity-bench');
}

export async function inlineModel(dir = cacheDir()): Promise<BenchModel> {
  const file = path.join(dir, 'inline-512mib.onnx');
  return cached('inline 512 MiB', file, [file], INLINE_LAYERS, path.join(dir, 'inline-512mib.manifest.json'),
    () => writeInline(file, INLINE_LAYERS));
}

export async function fp16Model(dir = cacheDir()): Promise<BenchModel> {
  const file = path.join(dir, 'image-fp16.onnx');
  return cached('fp16 image', file, [file], FP16_LAYERS, path.join(dir, 'image-fp16.manifest.json'), () => writeInline(file, FP16_LAYERS));
}

export async function uint8Model(dir = cacheDir()): Promise<BenchModel> {
  const file = path.join(dir, 'quant-uint8.onnx');
  return cached('uint8 per-axis', file, [file], UINT8_LAYERS, path.join(dir, 'quant-uint8.manifest.json'), () => writeInline(file, UINT8_LAYERS));
}

/** The fixed-cost model: ~1 MiB of float32. */
export async function smallModel(dir = cacheDir()): Promise<BenchModel> {
  const file = path.join(dir, 'small-1mib.onnx');
  return cached('1 MiB', file, [file], SMALL_LAYERS, path.join(dir, 'small-1mib.manifest.json'), () => writeInline(file, SMALL_LAYERS));
}

export async function externalModel(dir = cacheDir()): Promise<BenchModel> {
  const sub = path.join(dir, 'external-1gib');
  const file = path.join(sub, 'model.onnx');
  const bin = path.join(sub, 'weights.bin');
  return cached('external 1 GiB', file, [file, bin], EXTERNAL_LAYERS, path.join(sub, 'manifest.json'),
    () => writeExternal(file, bin, EXTERNAL_LAYERS, floatBands));
}

/** The decoder-only float16 model of bench-llm.ts, 4.3 GB in one external file. */
export async function llmModel(dir = cacheDir()): Promise<BenchModel> {
  const sub = path.join(dir, 'llm-fp16');
  const file = path.join(sub, 'model.onnx');
  const bin = path.join(sub, 'weights.bin');
  return cached(`LLM fp16 ${LLM_LAYERS.length} layers`, file, [file, bin], LLM_LAYERS, path.join(sub, 'manifest.json'),
    () => writeExternal(file, bin, LLM_LAYERS, llmBands));
}

/** A layer's values from bench-layers.ts, encoded in its stored type. */
function* floatBands(l: LayerSpec, seed: number): Generator<Uint8Array> {
  let first = 0;
  for (const band of layerBands(l, seed)) {
    yield encodeBand(l, band, first);
    first += band.length;
  }
}

interface Manifest { key: string; sizes: Record<string, number> }

async function cached(
  label: string, file: string, files: string[], layers: LayerSpec[], manifestFile: string, build: () => Promise<void>,
): Promise<BenchModel> {
  const key = JSON.stringify({ FORMAT, layers });
  const weightBytes = layers.reduce((s, l) => s + bytesOf(l), 0);
  const model = { label, file, files, layers, weightBytes, built: false, buildMs: 0 };
  if (await isFresh(manifestFile, key, files)) return model;
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.rm(manifestFile, { force: true });
  const t0 = performance.now();
  await build();
  const sizes: Record<string, number> = {};
  for (const f of files) sizes[path.basename(f)] = (await fs.stat(f)).size;
  await fs.writeFile(manifestFile, JSON.stringify({ key, sizes } satisfies Manifest, null, 1));
  return { ...model, built: true, buildMs: performance.now() - t0 };
}

async function isFresh(manifestFile: string, key: string, files: string[]): Promise<boolean> {
  let m: Manifest;
  try {
    m = JSON.parse(await fs.readFile(manifestFile, 'utf8')) as Manifest;
  } catch {
    return false;
  }
  if (m.key !== key) return false;
  for (const f of files) {
    const size = await fs.stat(f).then((s) => s.size, () => -1);
    if (size !== m.sizes[path.basename(f)]) return false;
  }
  return true;
}

/**
 * One input, one layer op and one output per weight; batch and spatial sizes are symbolic. uint8
 * weights feed ConvInteger / MatMulInteger with their zero points as initializers.
 */
function addLayers(b: ModelBuilder, layers: LayerSpec[], tensor: (l: LayerSpec, i: number) => onnx.ITensorProto): void {
  const g = b.main;
  layers.forEach((l, i) => {
    const [x, y, w] = [`${l.name}.in`, `${l.name}.out`, `${l.name}.weight`];
    const type = l.type ?? 'float32';
    const out = type === 'uint8' ? 'int32' : type;
    g.graph.initializer!.push(tensor(l, i));
    const zp = type === 'uint8' ? [`${l.name}.x_zero_point`, `${l.name}.w_zero_point`] : [];
    if (zp.length) {
      g.initializer(zp[0], { dtype: 'uint8', dims: [], values: [128] });
      const z = zeroPoints(l);
      g.initializer(zp[1], { dtype: 'uint8', dims: [z.length], values: z });
    }
    if (l.op === 'MatMul') {
      g.input(x, type, ['batch', l.dims[0]]).output(y, out, ['batch', l.dims[1]]);
      g.node(zp.length ? 'MatMulInteger' : 'MatMul', [x, w, ...zp], [y], {}, l.name);
    } else if (l.op === 'Gemm') {
      g.input(x, type, ['batch', l.dims[1]]).output(y, out, ['batch', l.dims[0]]);
      g.node('Gemm', [x, w], [y], { transB: 1 }, l.name);
    } else {
      const pad = (l.dims[2] - 1) >> 1;
      g.input(x, type, ['batch', l.dims[1], 'h', 'w']).output(y, out, ['batch', l.dims[0], 'h', 'w']);
      g.node(zp.length ? 'ConvInteger' : 'Conv', [x, w, ...zp], [y], { pads: [pad, pad, pad, pad] }, l.name);
    }
  });
}

const seedOf = (i: number): number => 1000 + i;

/** Weights as raw_data, encoded band by band into one byte array per tensor (no value-by-value protobuf encoding). */
async function writeInline(file: string, layers: LayerSpec[]): Promise<void> {
  const b = new ModelBuilder({ producer: 'onnx-sparsity bench', graphName: 'bench_inline' });
  addLayers(b, layers, (l, i) => {
    const bytes = new Uint8Array(bytesOf(l));
    let at = 0;
    let first = 0;
    for (const band of layerBands(l, seedOf(i))) {
      const encoded = encodeBand(l, band, first);
      bytes.set(encoded, at);
      at += encoded.length;
      first += band.length;
    }
    return { name: `${l.name}.weight`, dataType: DATA_TYPE[l.type ?? 'float32'], dims: l.dims, rawData: bytes };
  });
  await writeSafely(file, b.toBytes());
}

/**
 * Weights streamed into one external file, band by band, each tensor at a 4096-aligned offset:
 * at most one band (~16 MiB) of values is in memory at a time.
 */
async function writeExternal(
  file: string, bin: string, layers: LayerSpec[], bands: (l: LayerSpec, seed: number) => Iterable<Uint8Array>,
): Promise<void> {
  const location = path.basename(bin);
  const tmp = `${bin}.tmp`;
  const handle = await fs.open(tmp, 'w');
  const entries: { offset: number; length: number }[] = [];
  try {
    let end = 0;
    for (const [i, l] of layers.entries()) {
      const offset = Math.ceil(end / ALIGN) * ALIGN;
      if (offset > end) await handle.write(new Uint8Array(offset - end), 0, offset - end, end);
      let at = offset;
      for (const bytes of bands(l, seedOf(i))) {
        await writeFully(handle, bytes, at);
        at += bytes.length;
      }
      entries.push({ offset, length: at - offset });
      end = at;
    }
  } finally {
    await handle.close();
  }
  await fs.rename(tmp, bin);
  const b = new ModelBuilder({ producer: 'onnx-sparsity bench', graphName: 'bench_external' });
  addLayers(b, layers, (l, i) => ({
    name: `${l.name}.weight`, dataType: DATA_TYPE[l.type ?? 'float32'], dims: l.dims,
    dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
    externalData: [
      { key: 'location', value: location },
      { key: 'offset', value: String(entries[i].offset) },
      { key: 'length', value: String(entries[i].length) },
    ],
  }));
  await writeSafely(file, b.toBytes());
}

async function writeFully(handle: fs.FileHandle, bytes: Uint8Array, position: number): Promise<void> {
  let done = 0;
  while (done < bytes.length) {
    const { bytesWritten } = await handle.write(bytes, done, bytes.length - done, position + done);
    done += bytesWritten;
  }
}
