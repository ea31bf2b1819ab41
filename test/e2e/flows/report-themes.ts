import type { Flow } from '../harness';
import { reportText } from '../report-check';
import { until } from '../wait';

/** Light and dark: the webview follows the workbench theme (VS Code's body class, and the page's colours). */
export const reportThemes: Flow = {
  name: 'the report follows the light and the dark theme',
  async run({ wb }) {
    await wb.doubleClickFile('demo.onnx');
    const frame = wb.webviewFrame();
    await reportText(frame, 'demo.onnx');
    const colours: Record<string, string> = {};
    for (const [theme, kind] of [['Light Modern', 'vscode-light'], ['Dark Modern', 'vscode-dark']] as const) {
      await wb.colorTheme(theme);
      await until(`the webview body to have class ${kind}`, 30_000, async () => (await frame.locator('body').getAttribute('class', { timeout: 1_000 }))?.split(/\s+/).includes(kind));
      colours[kind] = await frame.locator('body').evaluate((b) => {
        const s = (globalThis as unknown as { getComputedStyle(e: unknown): { color: string; backgroundColor: string } }).getComputedStyle(b);
        return `${s.color} on ${s.backgroundColor}`;
      });
      await wb.screenshot(`report-${kind.replace('vscode-', '')}-theme`);
    }
    if (colours['vscode-light'] === colours['vscode-dark']) throw new Error(`the report has the same colours in both themes: ${colours['vscode-light']}`);
  },
};
