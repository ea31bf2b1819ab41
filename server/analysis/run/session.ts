import type * as OrtModule from 'onnxruntime-node';
import { AnalysisError, UsageError } from '../../errors';
import type { RunOptions } from '../../../common/protocol';
import type { DTypeName } from '../../onnx/dtypes';
import type { LoadedModel } from '../../onnx/load';

export type Ort = typeof OrtModule;
export type OrtSession = OrtModule.InferenceSession;
export type OrtTensor = OrtModule.Tensor;

let loaded: Ort | undefined;

/** onnxruntime-node, loaded on first use (a native addon: the weight analysis never needs it). */
export function ort(): Ort {
  if (!loaded) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    loaded = require('onnxruntime-node') as Ort;
    // Before the first session: ORT otherwise prints its warnings to our stderr.
    loaded.env.logLevel = 'fatal';
  }
  return loaded;
}

export function ortVersion(): string {
  return ort().env.versions.node ?? ort().env.versions.common ?? 'unknown';
}

/** The installed onnxruntime-node's version, read without loading its native addon (which only the run's process needs). */
export function ortPackageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('onnxruntime-node/package.json') as { version: string }).version;
}

/** Execution providers this onnxruntime-node build knows; `bundled: false` ones need libraries installed separately. */
export function executionProviders(): { name: string; bundled: boolean }[] {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const backend = require('onnxruntime-node/dist/backend') as { listSupportedBackends(): { name: string; bundled: boolean }[] };
  return backend.listSupportedBackends();
}

export interface SessionRequest {
  ep: string;
  /** Fail rather than fall back to CPU when `ep` cannot start. */
  strictEp: boolean;
  threads: number;
  /** Folder of external-data files when the model is given as bytes. */
  externalDir?: string;
  profilePrefix?: string;
  /** Names the model for error messages. */
  file: string;
  /**
   * A model with probes or extra outputs. Its probes need every value in plain NCHW, and ORT's
   * layout rewrites then cost more than they save ('all': 5.4x a plain run on PP-OCRv4 det,
   * 'basic' 4.5x); 'extended' keeps the fusions that leave probed values alone (every value
   * probed: 342 -> 274 ms a run of the probes alone at 640x640, whole instrumented runs 425-447
   * -> 354-401 ms; layer values only: 146 -> 109 ms), and its figures there equal 'basic''s on
   * every value. Its many short-lived buffers defeat ORT's memory pattern, which then reserves
   * every value at once (peak RSS 1.6 GB instead of 0.9 GB there).
   */
  instrumented?: boolean;
}

/** How to open a session over (a copy of) a loaded model's bytes under the run's provider and threads. */
export function modelSession(model: LoadedModel, run: Pick<RunOptions, 'ep' | 'strictEp' | 'threads'>): SessionRequest {
  // Bytes carry no path: ORT finds external data only when told the model's folder.
  const external = model.tensors.some((t) => t.data.kind === 'external');
  return { ep: run.ep, strictEp: run.strictEp, threads: run.threads, externalDir: external ? model.dir : undefined, file: model.path };
}

export interface OpenedSession {
  session: OrtSession;
  /** The provider actually used. */
  ep: string;
  /** Why `ep` is not the one asked for, when it is not. */
  fallback?: string;
}

/**
 * Creates a session on the requested provider. ORT throws when a provider's libraries are
 * missing (even with 'cpu' listed after it), so the fallback to CPU is ours, and it is reported.
 */
export async function openSession(model: Uint8Array, req: SessionRequest): Promise<OpenedSession> {
  const known = executionProviders().map((p) => p.name);
  if (!known.includes(req.ep)) throw new UsageError(`execution provider '${req.ep}' is not one onnxruntime-node offers (${known.join(', ')})`);
  const options: OrtModule.InferenceSession.SessionOptions = {
    intraOpNumThreads: req.threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: req.instrumented ? 'extended' : 'all',
    enableMemPattern: !req.instrumented,
    ...(req.profilePrefix ? { enableProfiling: true, profileFilePrefix: req.profilePrefix } : {}),
    ...(req.externalDir ? { extra: { session: { model_external_initializers_file_folder_path: req.externalDir } } } : {}),
  };
  const create = (ep: string): Promise<OrtSession> =>
    ort().InferenceSession.create(model, { ...options, executionProviders: [ep] });
  if (req.ep === 'cpu') return { session: await loadOrFail(() => create('cpu'), req.file), ep: 'cpu' };
  try {
    return { session: await create(req.ep), ep: req.ep };
  } catch (e) {
    const why = `execution provider '${req.ep}' could not start: ${firstLine(e)}`;
    if (req.strictEp) throw new AnalysisError(why, { file: req.file });
    return { session: await loadOrFail(() => create('cpu'), req.file), ep: 'cpu', fallback: `${why}; ran on CPU instead` };
  }
}

async function loadOrFail(create: () => Promise<OrtSession>, file: string): Promise<OrtSession> {
  try {
    return await create();
  } catch (e) {
    throw new AnalysisError(`onnxruntime cannot load the model: ${firstLine(e)}`, { file }, { cause: e });
  }
}

/** onnxruntime's type names to ours. */
export function ortDtype(t: string): DTypeName {
  return (t === 'float' ? 'float32' : t === 'double' ? 'float64' : t) as DTypeName;
}

/**
 * The first line of an onnxruntime error, without the C++ source location and function signature
 * it may start with ("/onnxruntime_src/.../model.cc:202 onnxruntime::Model::Model(...) Unsupported
 * model IR version: 14"): what is left says what is wrong.
 */
export function firstLine(e: unknown): string {
  const m = e instanceof Error ? e.message : String(e);
  return m.split('\n')[0].trim().replace(/^\S*onnxruntime_src\/\S+:\d+ (?:[\w:<>~]+\((?:[^()]|\([^()]*\))*\)(?: const)? )?/, '');
}
