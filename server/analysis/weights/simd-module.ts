import type { ModelMemory } from '../../onnx/model-memory';
import { KERNELS_WASM_BASE64 } from './simd-module.generated';

let compiled: WebAssembly.Module | undefined;

/**
 * The kernels module (compiled once per process) instantiated over a model's memory. Its
 * functions only read and write that memory, so several instances on one memory share nothing
 * else; `T` names the exports the caller uses.
 */
export function kernelExports<T>(mem: ModelMemory): T {
  compiled ??= new WebAssembly.Module(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  return new WebAssembly.Instance(compiled, { env: { memory: mem.memory } }).exports as unknown as T;
}
