import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { AnalysisError } from '../errors';
import { describeFsError, openRegular, readExactly } from '../files/read-file';
import { decodeAttribute } from './attribute-proto';
import { decodeLazyTensor } from './tensor-proto';
import { walkModel, type GraphScope, type NodeRef } from './graph';
import { toSafeNumber, type Int64Like } from './long';
import type { TensorRef } from './tensor';
import { ModelMemory } from './model-memory';

/** protobuf cannot address more than 2 GiB; larger models keep their weights in external data. */
const MAX_MODEL_BYTES = 2 ** 31 - 1;

export interface LoadedModel {
  /** Absolute path of the .onnx file. */
  readonly path: string;
  readonly dir: string;
  readonly fileBytes: number;
  /** The whole file; tensors are views into it. */
  readonly buffer: Buffer;
  /** The memory holding the file, shared with the SIMD kernels and the hashing worker. */
  readonly memory: ModelMemory;
  readonly proto: onnx.ModelProto;
  readonly irVersion: number;
  readonly opsets: Record<string, number>;
  readonly scopes: GraphScope[];
  readonly nodes: NodeRef[];
  readonly tensors: TensorRef[];
  readonly warnings: string[];
}

export async function loadModel(file: string): Promise<LoadedModel> {
  const abs = path.resolve(file);
  const memory = await readModelFile(abs);
  return parseModel(abs, memory);
}

async function readModelFile(abs: string): Promise<ModelMemory> {
  const { handle, size } = await openRegular(abs, 'cannot read the model');
  try {
    if (size === 0) throw new AnalysisError('empty file, not an ONNX model', { file: abs });
    if (size > MAX_MODEL_BYTES)
      throw new AnalysisError(`file is ${size} bytes, over protobuf's 2 GiB limit for an ONNX model`, { file: abs });
    const memory = new ModelMemory(size);
    await readExactly(handle, memory.file, 0, (done) => new AnalysisError(`file shrank while being read (${done} of ${size} bytes)`, { file: abs }));
    return memory;
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    throw new AnalysisError(describeFsError(e, 'cannot read the model'), { file: abs }, { cause: e });
  } finally {
    await handle.close();
  }
}

/** Decodes the model structure; weight bytes stay in the memory they were read into. */
export function parseModel(abs: string, memory: ModelMemory): LoadedModel {
  const buffer = memory.file;
  const proto = decodeWithLazyTensors(abs, buffer);
  const version = (v: unknown, what: string): number => {
    try {
      return toSafeNumber(v as Int64Like, what);
    } catch (e) {
      throw new AnalysisError((e as Error).message, { file: abs });
    }
  };
  const irVersion = version(proto.irVersion, 'ir_version');
  if (!proto.graph) throw new AnalysisError('not an ONNX model: it has no graph', { file: abs });
  if (irVersion <= 0) throw new AnalysisError('not an ONNX model: it has no ir_version', { file: abs });
  const opsets: Record<string, number> = {};
  for (const o of proto.opsetImport ?? []) opsets[o.domain || 'ai.onnx'] = version(o.version, `opset version of '${o.domain || 'ai.onnx'}'`);
  const walked = walkModel(proto, abs);
  return { path: abs, dir: path.dirname(abs), fileBytes: buffer.length, buffer, memory, proto, irVersion, opsets, ...walked };
}

/**
 * onnx-proto's generated decoders look TensorProto.decode up at call time, so swapping it for the
 * duration of one synchronous decode makes every tensor (initializers, Constant values, subgraphs)
 * lazy without touching the rest of the generated code.
 */
function decodeWithLazyTensors(abs: string, buffer: Buffer): onnx.ModelProto {
  const generated = onnx.TensorProto.decode;
  const generatedAttribute = onnx.AttributeProto.decode;
  onnx.TensorProto.decode = decodeLazyTensor as unknown as typeof generated;
  onnx.AttributeProto.decode = decodeAttribute as unknown as typeof generatedAttribute;
  try {
    return onnx.ModelProto.decode(buffer);
  } catch (e) {
    if (e instanceof AnalysisError) throw e;
    const why = e instanceof Error ? e.message : String(e);
    throw new AnalysisError(`not a valid ONNX model (truncated or corrupt protobuf: ${why})`, { file: abs }, { cause: e });
  } finally {
    onnx.TensorProto.decode = generated;
    onnx.AttributeProto.decode = generatedAttribute;
  }
}
