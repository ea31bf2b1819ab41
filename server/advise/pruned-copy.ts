import type { FileHandle } from 'node:fs/promises';
import type { PruningPlan } from '../../common/protocol';
import type { Layer } from '../analysis/layers/layers';
import { pruneValues, weightView } from '../bench/prune';
import { parsePruneKey, PRUNE_KEY_FORMS, type Prune } from '../bench/prune-kind';
import { AnalysisError, UsageError } from '../errors';
import { rawByteLength } from '../onnx/dtypes';
import type { ExternalFiles } from '../onnx/external';
import { externalTensors, relocateExternal, type ExternalTensor, type Placement } from '../onnx/external-relocate';
import type { LoadedModel } from '../onnx/load';
import type { TensorRef } from '../onnx/tensor';
import { unprunable } from './magnitude-pass';

/**
 * The model's bytes with the plan's weights pruned in place: nothing is re-encoded, so every field
 * (those onnx-proto does not know included) stays as it was. Weights in external data are read,
 * pruned and written with every other external tensor into one data file beside the copy, and
 * only their external_data entries change (server/onnx/external-relocate.ts).
 */
export interface PrunedCopy {
  model: Uint8Array;
  /** The copy's external data, when the model has any: its file name (beside the copy) and how to write it. */
  data?: { location: string; bytes: number; write: (h: FileHandle) => Promise<void> };
  /** Per pruned weight: the layers, what was done. */
  pruned: { layers: string[]; weight: string; prune: string }[];
  skipped: string[];
}

/** Large tensors start on a page, as onnx's external-data writer aligns them; small ones on 64 bytes. */
const align = (offset: number, length: number): number => {
  const a = length >= 1 << 20 ? 4096 : 64;
  return Math.ceil(offset / a) * a;
};
const CHUNK = 4 << 20;

export async function prunedCopy(model: LoadedModel, found: readonly Layer[], plan: PruningPlan, dataLocation: string, external: ExternalFiles): Promise<PrunedCopy> {
  const byTensor = new Map<TensorRef, { prune: Prune; key: string; layers: Layer[] }>();
  const skipped: string[] = [];
  for (const pl of plan.layers) {
    const l = found[pl.index];
    if (!l || l.node.name !== pl.name || l.node.scope.path !== pl.graph)
      throw new AnalysisError(`the plan's layer ${pl.index + 1} is '${pl.name}' in ${pl.graph}, but this model has ${l ? `'${l.node.name}' in ${l.node.scope.path}` : 'no such layer'}: the plan was made for another model`, { file: model.path });
    if (pl.prune === 'as-is') continue;
    const prune = parsePruneKey(pl.prune);
    if (!prune) throw new UsageError(`the plan prunes layer '${pl.name}' to '${pl.prune}', which is not one of ${PRUNE_KEY_FORMS}`);
    const why = unprunable(l);
    if (why) {
      skipped.push(`${pl.name} (${why})`);
      continue;
    }
    const t = l.weight!;
    const had = byTensor.get(t);
    if (had && (had.key !== pl.prune || JSON.stringify(had.layers[0].view) !== JSON.stringify(l.view)))
      throw new UsageError(`layers '${had.layers[0].node.name}' and '${pl.name}' share weight '${t.name}', and the plan prunes them differently (${had.key}, ${pl.prune})`);
    if (had) had.layers.push(l);
    else byTensor.set(t, { prune, key: pl.prune, layers: [l] });
  }
  const out = Uint8Array.from(model.buffer);
  const replaced = new Map<string, Uint8Array>();
  const pruned: PrunedCopy['pruned'] = [];
  for (const [t, x] of byTensor) {
    const l = x.layers[0];
    let why: string | undefined;
    if (t.data.kind === 'bytes') why = pruneValues(weightView(out, t.data.bytes.byteOffset - model.buffer.byteOffset, t), t.elements, l.view, x.prune);
    else if (t.data.kind === 'external') {
      const bytes = Buffer.alloc(rawByteLength(t.dtype, t.elements));
      await external.read(t.data.location, t.name, t.data.offset, bytes);
      why = pruneValues(weightView(bytes, 0, t), t.elements, l.view, x.prune);
      replaced.set(placeKey(t.data.location, t.data.offset), bytes);
    }
    if (why) skipped.push(`${t.name} (${why})`);
    else pruned.push({ layers: x.layers.map((y) => y.node.name), weight: t.name, prune: x.key });
  }
  const tensors = externalTensors(out);
  if (!tensors.length) return { model: out, pruned, skipped };
  // Each external range once, in file order, at its new place.
  const places = new Map<string, { from: ExternalTensor; to: Placement }>();
  let end = 0;
  for (const t of tensors) {
    const k = placeKey(t.location, t.offset);
    if (places.has(k)) continue;
    const offset = align(end, t.length);
    places.set(k, { from: t, to: { location: dataLocation, offset, length: t.length } });
    end = offset + t.length;
  }
  const relocated = relocateExternal(out, (t) => places.get(placeKey(t.location, t.offset))!.to);
  const write = async (h: FileHandle): Promise<void> => {
    let at = 0;
    const buf = Buffer.alloc(Math.min(CHUNK, Math.max(1, end)));
    for (const { from, to } of places.values()) {
      if (to.offset > at) await writeAll(h, Buffer.alloc(to.offset - at));
      const own = replaced.get(placeKey(from.location, from.offset));
      if (own) await writeAll(h, own);
      else for (let done = 0; done < from.length; done += CHUNK) {
        const part = buf.subarray(0, Math.min(CHUNK, from.length - done));
        await external.read(from.location, from.name, from.offset + done, part);
        await writeAll(h, part);
      }
      at = to.offset + to.length;
    }
  };
  return { model: relocated, data: { location: dataLocation, bytes: end, write }, pruned, skipped };
}

/** A write may take fewer bytes than it was given; the rest follow. */
async function writeAll(h: FileHandle, bytes: Uint8Array): Promise<void> {
  for (let done = 0; done < bytes.length;) done += (await h.write(bytes, done, bytes.length - done)).bytesWritten;
}

const placeKey = (location: string, offset: number): string => `${location}\u0000${offset}`;
