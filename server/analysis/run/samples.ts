import { promises as fs } from 'node:fs';
import { AnalysisError } from '../../errors';
import { ByteBudget } from '../../files/read-file';
import { dtypeByName, rawByteLength } from '../../onnx/dtypes';
import { readInputFile, readTestDataSets, type InputTensor } from '../../inputs/input-files';
import type { LoadedModel } from '../../onnx/load';
import { product } from '../../onnx/tensor';
import type { RunOptions, RunReport } from '../../../common/protocol';
import { graphInputs, resolveShapes, type InputSpec } from '../../inputs/input-specs';
import { feedsFromFiles, generateFeeds, type Feeds } from './activation-inputs';

export interface Samples {
  specs: InputSpec[];
  feeds: Feeds[];
  described: RunReport['inputs'];
}

/**
 * The inputs of each sample: the user's files when given (a test_data_set folder or a folder of
 * them gives one sample per set; files given together make one sample), else `samples` seeded
 * samples generated for every input's dtype and shape.
 */
export async function prepareSamples(model: LoadedModel, o: RunOptions): Promise<Samples> {
  const specs = graphInputs(model);
  let feeds: Feeds[];
  let sources: string[];
  if (o.inputs.length) {
    const sets = await readSets(o.inputs, new ByteBudget(o.memoryBudget));
    feeds = sets.map((tensors) => feedsFromFiles(specs, tensors, model.path));
    sources = specs.map((s) => sets[0].find((t) => t.name === s.name)?.source ?? sets[0][specs.indexOf(s)]?.source ?? 'file');
  } else {
    const shapes = resolveShapes(specs, o, model.path);
    const bytes = specs.reduce((sum, s, k) => sum + rawByteLength(dtypeByName(s.dtype), product(shapes[k])), 0);
    if (bytes > o.memoryBudget)
      throw new AnalysisError(`the inputs would take ${bytes} bytes, more than the memory budget (${o.memoryBudget}); give smaller --dim values`, { file: model.path });
    feeds = Array.from({ length: o.samples }, (_, s) => generateFeeds(specs, shapes, s, { intRange: o.intRange, seed: o.seed }, model.path));
    sources = specs.map(() => 'generated');
  }
  const described = specs.map((s, k) => ({ name: s.name, dtype: s.dtype, shape: [...feeds[0][s.name].dims], source: sources[k] }));
  return { specs, feeds, described };
}

async function readSets(paths: readonly string[], budget: ByteBudget): Promise<InputTensor[][]> {
  const sets: InputTensor[][] = [];
  const loose: InputTensor[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p).catch((e: NodeJS.ErrnoException) => {
      throw new AnalysisError(e.code === 'ENOENT' ? 'no such file or folder' : e.message, { file: p });
    });
    if (stat.isDirectory()) sets.push(...(await readTestDataSets(p, budget)));
    else loose.push(...(await readInputFile(p, budget)));
  }
  if (loose.length) sets.push(loose);
  if (!sets.length) throw new AnalysisError('no input tensors found', { file: paths.join(', ') });
  return sets;
}
