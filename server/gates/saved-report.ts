import * as path from 'node:path';
import { SCHEMA_VERSION, type Report } from '../../common/protocol';
import { AnalysisError } from '../errors';
import { readRegular } from '../files/read-file';

/** A saved report larger than this is not read (a 10,000-layer report is ~40 MB). */
const MAX_REPORT_BYTES = 512 * 2 ** 20;

/** Either side of a comparison, and a baseline, may be a saved report (`analyze --format json`) instead of a model. */
export function isReportFile(file: string): boolean {
  return path.extname(file).toLowerCase() === '.json';
}

/**
 * A report `analyze --format json` wrote, read back as untrusted input: every field that compare
 * and check use is checked for its type, and a problem names the field, so a hand-edited or
 * truncated baseline fails with a message instead of a wrong verdict.
 */
export async function readSavedReport(file: string): Promise<Report> {
  const text = (await readRegular(file, 'cannot read the saved report', MAX_REPORT_BYTES)).toString('utf8');
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new AnalysisError(`not a JSON report: ${(e as Error).message}`, { file });
  }
  checkReport(data, file);
  return data;
}

type Obj = Record<string, unknown>;

function checkReport(d: unknown, file: string): asserts d is Report {
  const bad = (field: string, why: string): never => {
    throw new AnalysisError(`not a usable onnx-sparsity report: ${field} ${why}`, { file });
  };
  const obj = (v: unknown, field: string): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : bad(field, 'must be an object'));
  const arr = (v: unknown, field: string): unknown[] => (Array.isArray(v) ? v : bad(field, 'must be a list'));
  const num = (v: unknown, field: string): number => (typeof v === 'number' && Number.isFinite(v) ? v : bad(field, 'must be a number'));
  const str = (v: unknown, field: string): string => (typeof v === 'string' ? v : bad(field, 'must be a string'));
  const bool = (v: unknown, field: string): boolean => (typeof v === 'boolean' ? v : bad(field, 'must be true or false'));

  const r = obj(d, 'the file');
  if ('diff' in r && 'a' in r && 'b' in r) bad('the file', 'is a comparison ({a, b, diff}), not one report; save one model\'s report with analyze --format json');
  if ('outcomes' in r && 'passed' in r) bad('the file', 'is a check result, not a report; save the baseline with analyze --format json');
  if (obj(r.tool ?? null, 'tool').name !== 'onnx-sparsity') bad('tool.name', "must be 'onnx-sparsity'");
  const version = num(r.schemaVersion, 'schemaVersion');
  if (!Number.isInteger(version) || version < 1) bad('schemaVersion', 'must be a positive integer');
  if (version > SCHEMA_VERSION) bad('schemaVersion', `is ${version}: the report was written by a newer onnx-sparsity (this one reads schema ${SCHEMA_VERSION})`);
  const model = obj(r.model, 'model');
  for (const k of ['path', 'name', 'sha256']) str(model[k], `model.${k}`);
  const options = obj(r.options, 'options');
  arr(options.nm, 'options.nm').forEach((p, i) => str(p, `options.nm[${i}]`));
  arr(options.blocks, 'options.blocks').forEach((p, i) => str(p, `options.blocks[${i}]`));
  const near = obj(options.nearZero, 'options.nearZero');
  num(near.value, 'options.nearZero.value');
  bool(near.relative, 'options.nearZero.relative');
  arr(r.layers, 'layers').forEach((x, i) => {
    const f = `layers[${i}]`;
    const l = obj(x, f);
    str(l.name, `${f}.name`);
    str(l.opType, `${f}.opType`);
    for (const k of ['params', 'zeros', 'nearZeros', 'sparsity']) num(l[k], `${f}.${k}`);
    if (l.gemm !== null) obj(l.gemm, `${f}.gemm`);
    for (const [p, v] of Object.entries(obj(l.nm, `${f}.nm`))) {
      const nm = obj(v, `${f}.nm["${p}"]`);
      num(nm.groupShare, `${f}.nm["${p}"].groupShare`);
      bool(nm.ready, `${f}.nm["${p}"].ready`);
    }
    for (const [s, v] of Object.entries(obj(l.blocks, `${f}.blocks`))) num(v, `${f}.blocks["${s}"]`);
  });
  const totals = obj(r.totals, 'totals');
  for (const k of ['params', 'zeros', 'nearZeros', 'sparsity']) num(totals[k], `totals.${k}`);
  num(obj(totals.layerWeights, 'totals.layerWeights').sparsity, 'totals.layerWeights.sparsity');
  arr(r.estimates, 'estimates').forEach((x, i) => {
    const f = `estimates[${i}]`;
    const e = obj(x, f);
    const acc = obj(e.accelerator, `${f}.accelerator`);
    str(acc.id, `${f}.accelerator.id`);
    str(acc.name, `${f}.accelerator.name`);
    str(e.scenario, `${f}.scenario`);
    num(e.speedup, `${f}.speedup`);
    arr(e.layers, `${f}.layers`);
  });
  arr(r.warnings, 'warnings');
}
