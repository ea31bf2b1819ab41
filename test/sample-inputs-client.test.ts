import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type * as vscode from 'vscode';
import { inputsText } from '../common/report/activation-figures';
import { buildDemoModel } from '../server/demo/demo-model';
import { demoSamples } from '../server/demo/demo-samples';
import { writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { RunMemory, withRemembered } from '../src/run-memory';
import { tempDir } from './helpers';

/** A workspace state in memory, as VS Code's Memento behaves for one key. */
function memento(): vscode.Memento {
  const m = new Map<string, unknown>();
  return {
    keys: () => [...m.keys()],
    get: <T>(k: string, d?: T) => (m.has(k) ? (m.get(k) as T) : d),
    update: async (k: string, v: unknown) => void m.set(k, v),
  } as vscode.Memento;
}

const uri = (p: string): vscode.Uri => ({ toString: () => `file://${p}`, fsPath: p }) as vscode.Uri;

describe('sample inputs chosen in the editor', () => {
  it('remembers a model\u2019s samples and preset, sends them with every analysis, and forgets them for generated inputs', async () => {
    const runs = new RunMemory(memento());
    const model = uri('/m/demo.onnx');
    await runs.update(model, { dims: { h: 32 } });
    await runs.update(model, { inputs: ['/m/samples'], preprocess: { preset: '0-1' } });
    assert.deepEqual(runs.get(uri('/m/other.onnx')), {}, 'per model');
    const settings = withRemembered({ run: { samples: 500, preprocess: { channels: 'bgr' } } }, runs.get(model));
    assert.deepEqual(settings.run, { samples: 500, dims: { h: 32 }, inputs: ['/m/samples'], preprocess: { channels: 'bgr', preset: '0-1' } });
    await runs.update(model, { inputs: [] });
    assert.deepEqual(withRemembered({ run: { samples: 500 } }, runs.get(model)).run, { samples: 500, dims: { h: 32 } }, 'generated again');
    assert.deepEqual(withRemembered({ run: false }, runs.get(model)), { run: false });
  });

  it('the analysis the editor sends runs on the chosen images and reports "3 images"', async () => {
    const dir = tempDir();
    const file = await writeModel(buildDemoModel(), dir, 'demo.onnx');
    const samples = path.join(dir, 'samples');
    mkdirSync(samples);
    for (const [name, bytes] of demoSamples().slice(0, 3)) writeFileSync(path.join(samples, name), bytes);
    const r = await analyzeModel({ file, ...withRemembered({ run: { samples: 7 } }, { inputs: [samples], preprocess: { preset: 'imagenet' } }) });
    assert.equal(r.run?.ok, true, r.run?.error);
    assert.equal(r.run?.samples, 3, 'every image found, whatever the generated-sample setting');
    assert.equal(inputsText(r.run!), '3 images (PNG)');
  });
});
