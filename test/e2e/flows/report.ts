import type { Report } from '../../../common/protocol';
import { expectNone } from '../harness';
import { compareReport } from '../report-check';
import type { Workbench } from '../workbench';

/** The report webview on screen shows `expected`'s model with the CLI's figures. */
export async function expectReport(wb: Workbench, expected: Report): Promise<void> {
  expectNone(await compareReport(wb.webviewFrame(), expected), `the report of ${expected.model.name} differs from the CLI's`);
}
