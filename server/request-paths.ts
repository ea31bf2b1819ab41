import * as path from 'node:path';
import type { AnalysisSettings, BenchSettings } from '../common/requests';
import { UsageError } from './errors';

/**
 * Paths in language-server requests. The server has no meaningful working folder (the editor
 * starts it wherever), so a relative path would be resolved against something the user never
 * chose: only absolute paths are taken, and what they name is read as untrusted input like any
 * model (docs/architecture.md, "What the server reads").
 */
export function requestPath(v: unknown, field: string): string {
  if (typeof v !== 'string' || v.length === 0) throw new UsageError(`${field} must be the absolute path of a file`);
  if (v.length > 4096 || v.includes('\0')) throw new UsageError(`${field} is not a usable path`);
  if (!path.isAbsolute(v)) throw new UsageError(`${field} must be an absolute path, not '${v.slice(0, 200)}'`);
  return path.normalize(v);
}

/** The files a request's settings name (inputs, an accelerator profile file) must be absolute too. */
export function checkSettingPaths(s: AnalysisSettings | BenchSettings | undefined): void {
  const run = s?.run;
  if (run && Array.isArray(run.inputs)) run.inputs.forEach((p, i) => requestPath(p, `run.inputs[${i}]`));
  const estimate = (s as AnalysisSettings | undefined)?.estimate;
  if (estimate && estimate.accelerators !== undefined) requestPath(estimate.accelerators, 'estimate.accelerators');
}

/** The title of a request's progress, from a path that may not be valid yet. */
export function shownName(v: unknown): string {
  return typeof v === 'string' && v.length > 0 && v.length <= 4096 ? path.basename(v) : 'a model';
}
