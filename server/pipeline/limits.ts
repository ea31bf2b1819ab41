import * as os from 'node:os';
import * as path from 'node:path';
import type { RunOptions } from '../../common/protocol';
import type { ChildLimits } from '../child/run-in-child';

/** The onnxruntime child's entry, beside this module in out/ and beside the bundle in dist/. */
export const ORT_CHILD = path.join(__dirname, 'ort-child.js');

/**
 * The hard limits of a run's process. Memory: onnxruntime holds its own copy of the weights and
 * every live intermediate value, so the automatic limit grows with the model and the copied-out
 * budget, never past 80% of this machine's memory.
 */
export function childLimits(run: Pick<RunOptions, 'timeoutSeconds' | 'memoryLimit' | 'memoryBudget'>, modelBytes: number): ChildLimits {
  const auto = Math.max(2 * 2 ** 30, 4 * modelBytes + 2 * run.memoryBudget + 2 ** 30);
  return {
    timeoutMs: run.timeoutSeconds * 1000,
    memoryBytes: run.memoryLimit > 0 ? run.memoryLimit : Math.min(auto, 0.8 * os.totalmem()),
  };
}
