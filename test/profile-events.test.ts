import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { readProfileEvents, type ProfileEvent } from '../server/analysis/run/profile-events';
import { ort } from '../server/analysis/run/session';
import { ModelBuilder } from '../server/onnx/builder';
import { tempDir } from './helpers';

/** What the reader keeps, by JSON.parse of the whole (small) file: the reference. */
function reference(file: string): ProfileEvent[] {
  const all = JSON.parse(readFileSync(file, 'utf8')) as { cat: string; name: string; ts: number; dur: number; args?: { op_name?: string } }[];
  return all
    .filter((e) => (e.cat === 'Node' && e.name.endsWith('_kernel_time')) || (e.cat === 'Session' && e.name === 'model_run'))
    .map((e) => ({ cat: e.cat, name: e.name, ts: e.ts, dur: e.dur, ...(e.args?.op_name ? { args: { op_name: e.args.op_name } } : {}) }));
}

describe("reading onnxruntime's profile (profile-events.ts)", () => {
  it('gives what JSON.parse gives for a real profile: every kernel time and run, op names included', async () => {
    const b = new ModelBuilder();
    b.main.input('x', 'float32', [1, 64]).output('y', 'float32', [1, 64]);
    b.main.initializer('w', { dtype: 'float32', dims: [64, 64], values: Array.from({ length: 4096 }, (_, i) => (i % 7) - 3) });
    b.main.node('Relu', ['x'], ['a'], {}, 'relu 1').node('MatMul', ['a', 'w'], ['m'], {}, 'mat/mul:é').node('Neg', ['m'], ['y'], {}, 'neg');
    const dir = tempDir();
    const s = await ort().InferenceSession.create(b.toBytes(), { enableProfiling: true, profileFilePrefix: path.join(dir, 'p') });
    const x = new (ort().Tensor)('float32', new Float32Array(64).fill(0.5), [1, 64]);
    for (let i = 0; i < 3; i++) await s.run({ x });
    s.endProfiling();
    await s.release();
    const file = path.join(dir, readdirSync(dir).find((f) => f.startsWith('p'))!);
    const { events, unreadable } = await readProfileEvents(file);
    const expected = reference(file);
    assert.equal(expected.filter((e) => e.name === 'model_run').length, 3);
    assert.ok(expected.some((e) => e.name === 'mat/mul:é_kernel_time' && e.args?.op_name === 'MatMul'), 'the names as the model gave them');
    assert.deepEqual(events, expected);
    assert.equal(unreadable, 0);
  });

  it('reads lines of another form by JSON.parse, and counts kernel lines a quoted name made unreadable', async () => {
    const file = path.join(tempDir(), 'profile.json');
    writeFileSync(file, [
      '[',
      '{"cat":"Node","name":"spaced_kernel_time","ts":5,"dur":2,"args":{"op_name":"Relu"}},',
      '{"cat" : "Node","pid" :1,"tid" :1,"dur" :3,"ts" :20,"ph" : "X","name" :"b"q_kernel_time","args" : {"op_name" : "Relu"}},',
      '{"cat" : "Node","pid" :1,"tid" :1,"dur" :4,"ts" :30,"ph" : "X","name" :"c_kernel_time","args" : {"provider" : "CPUExecutionProvider"}},',
      '{"cat" : "Session","pid" :1,"tid" :1,"dur" :40,"ts" :1,"ph" : "X","name" :"model_run","args" : {}}',
      ']',
    ].join('\n'));
    const { events, unreadable } = await readProfileEvents(file);
    assert.deepEqual(events, [
      { cat: 'Node', name: 'spaced_kernel_time', ts: 5, dur: 2, args: { op_name: 'Relu' } },
      { cat: 'Node', name: 'c_kernel_time', ts: 30, dur: 4 },
      { cat: 'Session', name: 'model_run', ts: 1, dur: 40 },
    ]);
    assert.equal(unreadable, 1);
  });
});
