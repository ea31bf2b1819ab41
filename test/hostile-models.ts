import { ModelBuilder } from '../server/onnx/builder';

/**
 * Models that are valid ONNX and ask onnxruntime for too much: they must be stopped from outside
 * (the run's child is killed), never waited on.
 */

/** x [1, 64] -> Loop(trip count `trips`, always true) of Relu -> y: 2^62 trips runs for ever. */
export function loopModel(trips = 2 ** 62): ModelBuilder {
  const b = new ModelBuilder({ opset: 17 });
  const body = b.subgraph('body');
  body.input('i', 'int64', []).input('cond_in', 'bool', []).input('x_in', 'float32', [1, 64])
    .output('cond_out', 'bool', []).output('x_out', 'float32', [1, 64])
    .node('Identity', ['cond_in'], ['cond_out'], {}, 'keep_going')
    .node('Relu', ['x_in'], ['x_out'], {}, 'step');
  b.main.input('x', 'float32', [1, 64]).output('y', 'float32', [1, 64])
    .initializer('trips', { dtype: 'int64', dims: [], values: [trips] })
    .initializer('go', { dtype: 'bool', dims: [], values: [1] })
    .node('Loop', ['trips', 'go', 'x'], ['y'], { body }, 'forever');
  return b;
}

/** A scalar Expanded to [`elements`] floats: a few dozen bytes of model, 4 x `elements` bytes of run. */
export function expandModel(elements: number): ModelBuilder {
  const b = new ModelBuilder({ opset: 17 });
  b.main.input('x', 'float32', [1]).output('y', 'float32', [elements])
    .initializer('shape', { dtype: 'int64', dims: [1], values: [elements] })
    .node('Expand', ['x', 'shape'], ['y'], {}, 'grow');
  return b;
}
