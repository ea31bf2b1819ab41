import type { Flow } from '../harness';
import { until } from '../wait';
import type { Workbench } from '../workbench';

/** The report's text once it matches `re`. */
async function reportMatching(wb: Workbench, what: string, re: RegExp, timeoutMs = 90_000): Promise<string> {
  return until(what, timeoutMs, async () => {
    const text = await wb.webviewFrame().locator('body').innerText({ timeout: 1_000 }).catch(() => '');
    return re.test(text) ? text : '';
  });
}

/** The densities the activation section shows, row by row, and the summary card's mean. */
async function densitiesShown(wb: Workbench, text: string): Promise<string[]> {
  const card = /Input activation density\s+([\d.]+%)/.exec(text);
  if (!card) throw new Error(`no input activation density in the report:\n${text.slice(0, 2000)}`);
  const table = await wb.webviewFrame().locator('#activations table').innerText({ timeout: 5_000 });
  return [card[1], ...(table.match(/[\d.]+%/g) ?? [])];
}

/**
 * Answers code-server's open dialog for a folder: the folder's path with a trailing slash lists it
 * (a folder dialog shows subfolders and "..", not files), then Enter takes the folder itself.
 */
async function answerFolderPicker(wb: Workbench, folder: string): Promise<void> {
  const input = wb.fileDialog();
  await input.waitFor();
  const want = `${folder}/`;
  await until(`the open dialog to accept the folder ${folder}`, 20_000, async () => {
    if (!(await input.isVisible())) return true;
    if ((await input.inputValue()) !== want) {
      await input.fill(want);
      return false;
    }
    if (!(await wb.quickRow('..').count())) return false;
    await wb.screenshot('sample-inputs-folder-dialog');
    await wb.page.keyboard.press('Enter');
    return until('the open dialog to take the Enter', 5_000, async () => !(await input.isVisible())).then(() => true, () => false);
  });
}

/**
 * A report measured on generated inputs says so and offers "Choose sample inputs...": the user
 * picks a folder of images and a preset, the model runs again on them, and the report says
 * "inputs: 3 images" with other activation densities. The choice is remembered for the model,
 * so the flow goes back to generated inputs at the end (later flows compare with the CLI's).
 */
export const chooseSampleInputs: Flow = {
  name: 'the report\u2019s "Choose sample inputs..." runs the model on a folder of images and says "inputs: 3 images"',
  async run({ wb, ws }) {
    await wb.rightClickFile('demo.onnx', 'Analyze Sparsity');
    const generated = await reportMatching(wb, 'the demo report on generated inputs', /inputs: generated[\s\S]*generated inputs/);
    const before = await densitiesShown(wb, generated);
    await wb.screenshot('sample-inputs-generated');
    await wb.webviewFrame().locator('button.choose-inputs').first().click();
    await wb.quickRow('A folder of samples...').first().waitFor({ timeout: 20_000 });
    await wb.quickPick('A folder of samples...');
    await answerFolderPicker(wb, ws.samples);
    await wb.quickRow('imagenet').first().waitFor({ timeout: 20_000 });
    await wb.screenshot('sample-inputs-preset');
    await wb.quickPick('imagenet');
    const real = await reportMatching(wb, 'the report on the 3 images', /inputs: 3 images \(PNG\)/);
    if (/generated inputs/.test(real)) throw new Error('the report on real images still says "generated inputs"');
    if (!/images \u2192 input 'image': NCHW float32/.test(real)) throw new Error('the activation section does not state the preprocessing');
    const after = await densitiesShown(wb, real);
    if (after.join(' ') === before.join(' ')) throw new Error(`the activation densities on the images are those on generated inputs: ${after.join(' ')}`);
    await wb.screenshot('sample-inputs-report');

    await wb.palette('ONNX Sparsity: Choose Sample Inputs...');
    await wb.quickRow('Use generated inputs again').first().waitFor({ timeout: 20_000 });
    await wb.quickPick('Use generated inputs again');
    await reportMatching(wb, 'the report on generated inputs again', /inputs: generated/);
  },
};
