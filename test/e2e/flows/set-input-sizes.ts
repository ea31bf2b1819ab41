import type { Flow } from '../harness';
import { until } from '../wait';

/**
 * A model whose image input has symbolic height and width cannot run until they are given: the
 * editor says so with a button (never a CLI flag), asks for each dim prefilled with a guess, and
 * runs the model again with the answers, which it remembers for that model.
 */
export const setInputSizes: Flow = {
  name: 'a model lacking input sizes asks for them, prefilled, and runs with the answers',
  async run({ wb }) {
    await wb.rightClickFile('sized.onnx', 'Analyze Sparsity');
    const warning = wb.notification(/sized\.onnx was not run: 2 input dims have no size/);
    await warning.waitFor({ timeout: 60_000 });
    const text = await warning.innerText();
    if (/--dim|--input-shape/.test(text)) throw new Error(`a CLI flag in the editor: ${text}`);
    await wb.screenshot('input-sizes-warning');
    await warning.locator('.monaco-button', { hasText: 'Set Input Sizes...' }).click();
    const input = wb.page.locator('.quick-input-widget input.input');
    for (const [dim, answer] of [['height', '32'], ['width', '24']]) {
      await until(`the input box for '${dim}'`, 20_000, async () =>
        (await wb.page.locator('.quick-input-widget').innerText().catch(() => '')).includes(`'${dim}'`));
      const value = await input.inputValue();
      if (value !== '224') throw new Error(`the box for '${dim}' is prefilled with '${value}', not the guess 224`);
      if (dim === 'height') await wb.screenshot('input-sizes-prompt');
      await input.fill(answer);
      await wb.page.keyboard.press('Enter');
    }
    await until('the report with the run at 32 x 24', 60_000, async () =>
      /image \[1, 3, 32, 24\] float32/.test(await wb.webviewFrame().locator('body').innerText({ timeout: 1_000 }).catch(() => '')));
    await wb.screenshot('input-sizes-report');
  },
};
