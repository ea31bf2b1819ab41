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
import { ModelBuilder } from '../server/onnx/builder';
import { EXTERNAL_LAYERS, INLINE_LAYERS, bytesOf, elementsOf, layerBands, type LayerSpec } from './bench-layers';

const FORMAT = 1;
const ALIGN = 4096;
const FLOAT = onnx.TensorProto.DataType.FLOAT;

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

export async function externalModel(dir = cacheDir()): Promise<BenchModel> {
  const sub = path.join(dir, 'external-1gib');
  const file = path.join(sub, 'model.onnx');
  const bin = path.join(sub, 'weights.bin');
  return cached('external 1 GiB', file, [file, bin], EXTERNAL_LAYERS, path.join(sub, 'manifest.json'),
    () => writeExternal(file, bin, EXTERNAL_LAYERS));
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

/** One input, one layer op and one output per weight; batch and spatial sizes are symbolic. */
function addLayers(b: ModelBuilder, layers: LayerSpec[], tensor: (l: LayerSpec, i: number) => onnx.ITensorProto): void {
  const g = b.main;
  layers.forEach((l, i) => {
    const [x, y, w] = [`${l.name}.in`, `${l.name}.out`, `${l.name}.weight`];
    g.graph.initializer!.push(tensor(l, i));
    if (l.op === 'MatMul') {
      g.input(x, 'float32', ['batch', l.dims[0]]).output(y, 'float32', ['batch', l.dims[1]]);
      g.node('MatMul', [x, w], [y], {}, l.name);
    } else if (l.op === 'Gemm') {
      g.input(x, 'float32', ['batch', l.dims[1]]).output(y, 'float32', ['batch', l.dims[0]]);
      g.node('Gemm', [x, w], [y], { transB: 1 }, l.name);
    } else {
      const pad = (l.dims[2] - 1) >> 1;
      g.input(x, 'float32', ['batch', l.dims[1], 'h', 'w']).output(y, 'float32', ['batch', l.dims[0], 'h', 'w']);
      g.node('Conv', [x, w], [y], { pads: [pad, pad, pad, pad] }, l.name);
    }
  });
}

const seedOf = (i: number): number => 1000 + i;

/** Weights as raw_data, copied band by band into one Float32Array per tensor (no value-by-value encoding). */
async function writeInline(file: string, layers: LayerSpec[]): Promise<void> {
  const b = new ModelBuilder({ producer: 'onnx-sparsity bench', graphName: 'bench_inline' });
  addLayers(b, layers, (l, i) => {
    const values = new Float32Array(elementsOf(l));
    let at = 0;
    for (const band of layerBands(l, seedOf(i))) {
      values.set(band, at);
      at += band.length;
    }
    // float32 raw_data is the values' little-endian bytes: a view is the encoding on x86/ARM.
    return { name: `${l.name}.weight`, dataType: FLOAT, dims: l.dims, rawData: new Uint8Array(values.buffer) };
  });
  await writeSafely(file, b.toBytes());
}

/**
 * Weights streamed into one external file, band by band, each tensor at a 4096-aligned offset:
 * at most one band (~16 MiB) of values is in memory at a time.
 */
async function writeExternal(file: string, bin: string, layers: LayerSpec[]): Promise<void> {
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
      for (const band of layerBands(l, seedOf(i))) {
        const bytes = new Uint8Array(band.buffer, band.byteOffset, band.byteLength);
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
    name: `${l.name}.weight`, dataType: FLOAT, dims: l.dims,
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
