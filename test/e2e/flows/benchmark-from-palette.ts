import type { Flow } from '../harness';
import { until } from '../wait';

export const benchmarkFromPalette: Flow = {
  name: 'palette: "Benchmark Model..." > Latency only opens a Markdown latency table',
  async run({ wb, ws }) {
    await wb.palette('ONNX Sparsity: Benchmark Model...');
    await wb.answerFilePicker(ws.demo);
    await wb.quickRow('Latency only').first().waitFor();
    await wb.screenshot('benchmark-quick-pick');
    await wb.quickPick('Latency only');
    await wb.waitSawNotification('Benchmarking demo.onnx');
    const text = await until('the latency table in a Markdown editor', 60_000, async () => {
      const t = await wb.editorText();
      return /\|\s*ms\s*\|\s*min\s*\|\s*p50\s*\|/.test(t) && /\|\s*as-is\s*\|(\s*[\d.]+\s*\|){6}/.test(t) ? t : '';
    });
    if (!text.includes(`Latency: ${ws.demo}`)) throw new Error(`the document does not name the model:\n${text}`);
    if (!(await wb.activeTabTitle()).includes('Untitled-')) throw new Error('the latency table is not in a new untitled document');
    const language = await wb.statusBarLanguage();
    if (language !== 'Markdown') throw new Error(`the document's language is ${language}, not Markdown`);
    await wb.screenshot('benchmark-latency-markdown');
  },
};
