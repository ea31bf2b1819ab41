import { existsSync } from 'node:fs';
import * as path from 'node:path';
import type { Flow } from '../harness';
import { reportText } from '../report-check';
import { until } from '../wait';

/**
 * From the report's pruning plan to a measured copy: the user picks the last point of the
 * Pareto front, clicks "Apply plan at this point...", and the comparison view opens with the
 * copy's output drift and its latency against the model's, while the copy lies next to the model.
 */
export const applyPlan: Flow = {
  name: 'report: "Apply plan at this point..." writes the pruned copy and opens the comparison with drift and latency',
  async run({ wb, ws }) {
    await wb.rightClickFile('demo.onnx', 'Analyze Sparsity');
    const frame = wb.webviewFrame();
    await reportText(frame, 'demo.onnx');
    const apply = frame.locator('button.apply-plan');
    await apply.scrollIntoViewIfNeeded();
    await frame.locator('#chart-pareto svg').waitFor({ timeout: 30_000 });
    await frame.locator('#chart-pareto svg').focus();
    await wb.page.keyboard.press('End');
    await wb.screenshot('apply-plan-pareto');
    await apply.click();
    await wb.waitSawNotification('Pruning demo.onnx', 60_000);
    const text = await until('the comparison of demo.pruned.onnx with its drift and latency', 120_000, async () => {
      const t = await wb.webviewFrame().locator('body').innerText({ timeout: 1_000 }).catch(() => '');
      return /The pruned copy/.test(t) && /Output drift on the same inputs/.test(t) && /Latency here: [\d.]+x measured/.test(t) ? t : '';
    });
    if (!/logits\s+\[1, 10\] float32\s+[\d.e+-]+\s+[\d.e+-]+\s+[\d.e+-]+/.test(text)) throw new Error(`no drift figures for the demo's logits:\n${text.slice(0, 2000)}`);
    const copy = path.join(ws.dir, 'demo.pruned.onnx');
    if (!existsSync(copy)) throw new Error(`the copy is not next to the model: ${copy} is missing`);
    if (!(await wb.activeTabTitle()).includes('demo.onnxvsdemo.pruned.onnx')) throw new Error(`the comparison is not the active tab: ${await wb.activeTabTitle()}`);
    await wb.screenshot('apply-plan-comparison');
  },
};
