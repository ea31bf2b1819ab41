import type { CrossoverReport } from '../../common/protocol';
import type { CrossoverSettings } from '../../common/requests';
import { checkOrtBuild } from '../analysis/run/ort-build';
import { saveCrossover } from '../bench/bench-cache';
import { DEFAULT_SHAPE } from '../bench/crossover';
import { runInChild } from '../child/run-in-child';
import type { Control } from './control';
import { childLimits, ORT_CHILD } from './limits';
import type { CrossoverJob } from './ort-jobs';
import { checkRun, checkShape } from './settings';

/** `crossover`: where this machine's sparse matmuls start to beat its dense one, measured in the onnxruntime child and cached. */
export async function crossover(s: CrossoverSettings & Control & { levels?: number[] }): Promise<CrossoverReport> {
  const run = checkRun(s.run);
  const shape = s.shape === undefined ? DEFAULT_SHAPE : checkShape(s.shape, 'shape');
  checkOrtBuild({ file: `crossover ${shape.join('x')}` });
  const job: CrossoverJob = { shape, ep: run.ep, strictEp: run.strictEp, threads: run.threads, memoryBudget: run.memoryBudget, ...(s.levels ? { levels: s.levels } : {}) };
  const c = await runInChild<CrossoverReport>(ORT_CHILD, 'crossover', job, childLimits(run, 0), {
    signal: s.signal,
    onProgress: (fraction, message) => s.onProgress?.({ fraction, message, phase: 'crossover' }),
  }, { file: `crossover ${shape.join('x')}` });
  await saveCrossover(c);
  return c;
}
