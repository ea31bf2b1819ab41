/**
 * The worker thread of a split weight pass (split-pass.ts): loads the model itself, checks the
 * weights it was given are the ones this thread finds, and measures each exactly as the main
 * thread would (measure-model.ts measureTensor, on its own kernels and memory).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ExternalFiles } from '../../onnx/external';
import { loadModel } from '../../onnx/load';
import { passContext, tensorMeasurer } from './measure-model';
import { serveSplit, type TensorResult, type WeightsJob } from './split-pass';

async function measure(job: WeightsJob, send: (index: number, r: TensorResult) => void, onBytes: (n: number) => void): Promise<string[]> {
  const model = await loadModel(job.file);
  for (const t of job.tensors) {
    const mine = model.tensors[t.index];
    if (!mine || mine.name !== t.name || mine.elements !== t.elements) throw new Error(`the model changed while its weights were measured (weight ${t.index})`);
  }
  const external = new ExternalFiles(model.dir, model.path);
  try {
    const measure = tensorMeasurer(model, passContext(model, job.options), external, { onBytes });
    for (const t of job.tensors) send(t.index, await measure(t.index));
    return await external.files();
  } finally {
    await external.close();
  }
}

if (parentPort) serveSplit(parentPort, workerData as WeightsJob, measure);
