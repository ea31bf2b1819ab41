/**
 * The worker thread of a split magnitude pass (magnitude-pass.ts measureKept): loads the model
 * itself, checks the layers it was given are the ones this thread finds, and sums each one's
 * weight on its view exactly as the main thread would.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { findLayers } from '../analysis/layers/layers';
import { serveSplit } from '../analysis/weights/split-pass';
import { ExternalFiles } from '../onnx/external';
import { loadModel } from '../onnx/load';
import { keptSummer, unprunable, type KeptJob } from './magnitude-pass';

async function sum(job: KeptJob, send: (index: number, figures: Record<string, number>) => void): Promise<string[]> {
  const model = await loadModel(job.file);
  const found = findLayers(model.nodes);
  for (const x of job.layers) {
    const l = found[x.index];
    if (!l || l.weight?.name !== x.weight || l.weight.elements !== x.elements || unprunable(l)) throw new Error(`the model changed while its weights were summed (layer ${x.index})`);
  }
  const external = new ExternalFiles(model.dir, model.path);
  try {
    const summer = keptSummer(model, external);
    for (const x of job.layers) send(x.item, await summer(found[x.index], job.choices));
    return await external.files();
  } finally {
    await external.close();
  }
}

if (parentPort) serveSplit(parentPort, workerData as KeptJob, sum);
