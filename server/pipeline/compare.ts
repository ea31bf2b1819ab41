import type { Report } from '../../common/protocol';
import type { CompareResult } from '../../common/requests';
import { diffReports } from '../../common/report/diff';
import { isReportFile, readSavedReport } from '../gates/saved-report';

/**
 * Two models side by side: each analysed by `analyze` (the server passes its cached analysis, so
 * an unchanged model is not analysed again), or read back when it is a saved report (.json),
 * then compared layer by layer.
 */
export async function compareModels(analyze: (file: string, half: 0 | 1) => Promise<Report>, a: string, b: string): Promise<CompareResult> {
  const ra = await reportOf(a, (f) => analyze(f, 0));
  const rb = await reportOf(b, (f) => analyze(f, 1));
  return { a: ra, b: rb, diff: diffReports(ra, rb) };
}

/** A model's report: read back from a saved report, or analysed. */
export function reportOf(file: string, analyze: (file: string) => Promise<Report>): Promise<Report> {
  return isReportFile(file) ? readSavedReport(file) : analyze(file);
}
