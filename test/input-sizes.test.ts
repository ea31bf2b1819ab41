import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunReport } from '../common/protocol';
import { withRemembered } from '../src/run-memory';
import { answersToSizes, sizeQuestions } from '../src/size-questions';
import { analyzeBuilt } from './helpers';
import { ModelBuilder } from '../server/onnx/builder';

/** What the editor asks when a run lacks input sizes, and what it sends on the next analysis. */
describe('input sizes in the editor', () => {
  async function failedRun(): Promise<RunReport> {
    const b = new ModelBuilder();
    b.main.input('image', 'float32', ['batch', 3, 'height', 'width']).input('audio', 'float32', [null as unknown as string, null as unknown as string])
      .output('y', 'float32', ['batch', 3, 'height', 'width']).output('z', 'float32', [1, 1])
      .node('Relu', ['image'], ['y'], {}, 'r').node('ReduceMax', ['audio'], ['z'], { keepdims: 1 }, 'm');
    const r = await analyzeBuilt(b, {}, {});
    assert.equal(r.run?.ok, false);
    return r.run!;
  }

  it('asks for every dim without a size, each with its guess, and nothing else', async () => {
    const run = await failedRun();
    assert.deepEqual(sizeQuestions(run).map((q) => [q.input, q.dim, q.name, q.value]), [
      ['image', 2, 'height', 224], ['image', 3, 'width', 224], ['audio', 1, null, 1],
    ]);
    assert.match(run.error!, /input 'image' dim 2 'height', input 'image' dim 3 'width', input 'audio' dim 1 \(unnamed\) have no size/);
    assert.doesNotMatch(run.error!, /--dim|--input-shape/, 'no CLI flag in what the editor shows');
  });

  it('turns the answers into named dims and, for an unnamed dim, the whole input shape; the next run succeeds with them', async () => {
    const run = await failedRun();
    const sizes = answersToSizes(sizeQuestions(run), [32, 48, 400], run);
    assert.deepEqual(sizes, { dims: { height: 32, width: 48 }, shapes: { audio: [1, 400] } });
    const settings = withRemembered({ run: { dims: { other: 5 } } }, sizes);
    assert.deepEqual(settings.run, { dims: { other: 5, height: 32, width: 48 }, shapes: { audio: [1, 400] } });
  });

  it('after a run, asks for every dim the model leaves open, at the size it ran with', async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', ['batch', 'seq']).output('y', 'float32', ['batch', 'seq']).node('Relu', ['x'], ['y'], {}, 'r');
    const r = await analyzeBuilt(b, {}, { dims: { seq: 7 } });
    assert.equal(r.run?.ok, true, r.run?.error);
    assert.deepEqual(sizeQuestions(r.run!).map((q) => [q.name, q.value]), [['batch', 1], ['seq', 7]]);
  });
});
