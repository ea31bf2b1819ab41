import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import { activationLayers } from '../common/report/activation-figures';
import { writeModel } from '../server/onnx/builder';
import { analyzeModel } from '../server/pipeline/analyze';
import { deadModel, runSamples } from './dead-channels';
import { tempDir } from './helpers';
import { clean, count, ReportBrowser } from './report-page';

const browser = new ReportBrowser();
let real: Report;
let generated: Report;

describe('the activation section of the report page in Chromium', { timeout: 120_000 }, () => {
  before(async () => {
    await browser.start();
    real = await runSamples(deadModel('batch'));
    const file = await writeModel(deadModel('batch'), tempDir(), 'model.onnx');
    generated = await analyzeModel({ file, run: { samples: 3 }, estimate: { targets: ['all'] } });
  });
  after(() => browser.stop());

  it('shows the inputs used, a range bar per layer, dead channels and the pruning candidate', async () => {
    const o = await browser.open({ type: 'report', report: real }, 'activations-real');
    const section = o.page.locator('#activations');
    await section.scrollIntoViewIfNeeded();
    assert.match(await o.page.locator('.run-inputs').innerText(), /^inputs: 3 tensor samples \(npy\) \u2192 x \[1, 4, 2, 2\] float32/);
    assert.match(await section.locator('.inputs-used').innerText(), /Inputs: 3 tensor samples \(npy\) from .*samples \(3 samples per run\)/);
    assert.equal(await count(o, '#activations tr.activation-row'), activationLayers(real).length);
    assert.equal(await count(o, '#activations svg.range-bar'), activationLayers(real).filter((l) => l.activation?.inputSpread).length);
    const conv = o.page.locator('#activations tr.activation-row', { hasText: 'conv' });
    const cells = await conv.locator('td').allInnerTexts();
    assert.equal(cells[1].replace(/\s+/g, ' ').trim(), '45.8% 31.3%\u201356.3%');
    assert.equal(cells[4], '1 of 4 (+2 in some samples)');
    assert.equal(await conv.locator('svg.range-bar').getAttribute('aria-label'), 'input density 31.3% to 56.3%, mean 45.8%, over 3 samples');
    assert.match(await section.locator('.candidates').innerText(), /conv \(Conv\): input channels 1 \(1 of 4\) are zero in all 3 samples/);
    assert.equal(await count(o, '.generated-flag'), 0, 'nothing says generated');
    clean(o);
    await o.context.close();
  });

  it('says "generated inputs" on the card, the run line, the section, the table and the dual-sparse estimates', async () => {
    const o = await browser.open({ type: 'report', report: generated }, 'activations-generated');
    const card = o.page.locator('.tile', { hasText: 'Input activation density' });
    assert.match(await card.innerText(), /generated inputs/);
    assert.equal(await card.locator('button.choose-inputs').count(), 1, 'the card offers the way to real inputs');
    assert.match(await o.page.locator('.run-inputs').innerText(), /inputs: generated: 3 seeded samples of N\(0, 1\) floats .*generated inputs/);
    assert.match(await o.page.locator('#activations .generated-banner').innerText(), /^Generated inputs: random data, not the model\u2019s real inputs/);
    assert.match(await o.page.locator('#activations thead').innerText(), /Input density \(generated inputs\)/);
    const dual = generated.estimates.filter((e) => e.accelerator.kind === 'dual').length;
    assert.ok(dual > 0);
    assert.ok(await count(o, 'table.estimates .generated-flag') >= dual, 'every dual-sparse cell says so');
    // The exported page has no editor to ask: the link answers so instead of doing nothing.
    await card.locator('button.choose-inputs').click();
    await o.page.waitForSelector('.outcome.fail');
    assert.match(await o.page.locator('.outcome.fail').innerText(), /Sample inputs failed: This is an exported report/);
    clean(o);
    await o.context.close();
  });
});
