import type { Report } from '../../common/protocol';
import type { CompareResult } from '../../common/requests';
import { diffReports } from '../../common/report/diff';

/**
 * Two models side by side: both analysed by `analyze` (the server passes its cached analysis,
 * so an unchanged model is not analysed again), then compared layer by layer.
 */
export async function compareModels(analyze: (file: string, half: 0 | 1) => Promise<Report>, a: string, b: string): Promise<CompareResult> {
  const ra = await analyze(a, 0);
  const rb = await analyze(b, 1);
  return { a: ra, b: rb, diff: diffReports(ra, rb) };
}
