import { promises as fs } from 'node:fs';
import type { CheckResult, DriftReport, Report, RuleOutcome, RunOptions } from '../../common/protocol';
import type { AnalysisSettings } from '../../common/requests';
import { countOutcomes } from '../../common/report/check-report';
import { diffReports } from '../../common/report/diff';
import { runInChild } from '../child/run-in-child';
import { AnalysisError, CancelledError, UsageError } from '../errors';
import type { DriftJob } from '../gates/drift';
import { outcome } from '../gates/rule-kind';
import type { DriftRule } from '../gates/rules-drift';
import { defaultRules, evaluateRules, readRules, rulesNeedingBaseline } from '../gates/rules';
import { isReportFile, readSavedReport } from '../gates/saved-report';
import { VERSION } from '../version';
import type { Control } from './control';
import { childLimits, ORT_CHILD } from './limits';
import { checkAnalysis, checkRun } from './settings';

export interface CheckInput extends AnalysisSettings, Control {
  file: string;
  /** rules.json; without it, the default rules against the baseline. */
  rules?: string;
  /** A saved report or a model; overrides the rules file's "baseline". */
  baseline?: string;
  /** Analyses the model and a baseline model under the check's settings (the server passes its cache). */
  analyze: (file: string, which: 'model' | 'baseline') => Promise<Report>;
}

/**
 * `check`: the model against its rules. Everything that can be wrong with the rules, the baseline
 * or their pairing is found before the model is analysed (a usage error); then the model is
 * analysed, the baseline read back or analysed, both models run on the same inputs if a drift
 * rule asks, and every rule gives its outcomes.
 */
export async function checkModel(input: CheckInput): Promise<CheckResult> {
  const t0 = performance.now();
  const settings = checkAnalysis(input);
  const rulesFile = input.rules ? await readRules(input.rules) : undefined;
  const baselinePath = input.baseline ?? rulesFile?.baseline;
  if (!rulesFile && !baselinePath) throw new UsageError('check needs --baseline (the default rules compare against it), --rules FILE, or both');
  const rules = rulesFile?.rules ?? defaultRules();
  const needing = rulesNeedingBaseline(rules);
  if (needing.length && !baselinePath)
    throw new UsageError(`${rulesFile!.file}: ${needing.join(', ')} compare${needing.length === 1 ? 's' : ''} against a baseline; give --baseline FILE or "baseline" in the rules file`);
  // A bad baseline fails in a second, before a long analysis.
  const saved = baselinePath && isReportFile(baselinePath) ? await readSavedReport(baselinePath) : undefined;
  const driftBaseline = rules.maxDrift ? await driftModel(rules.maxDrift, baselinePath, saved) : undefined;

  const report = await input.analyze(input.file, 'model');
  const baseline = saved ?? (baselinePath ? await input.analyze(baselinePath, 'baseline') : undefined);
  const drift = rules.maxDrift && driftBaseline ? await measureDrift(input, rules.maxDrift, driftBaseline, settings.run, report) : undefined;
  const diff = baseline ? diffReports(baseline, report) : undefined;
  const outcomes: RuleOutcome[] = [...ran(report, settings.run !== false), ...evaluateRules(rules, { report, baseline, diff, drift })];
  const counts = countOutcomes(outcomes);
  return {
    tool: { name: 'onnx-sparsity', version: VERSION },
    createdAt: new Date().toISOString(),
    model: { path: report.model.path, name: report.model.name, sha256: report.model.sha256 },
    ...(baseline && baselinePath ? { baseline: { path: baselinePath, kind: saved ? 'report' as const : 'model' as const, model: baseline.model.path, sha256: baseline.model.sha256 } } : {}),
    rules: rulesFile?.file ?? null,
    passed: counts.fail === 0 && counts.error === 0,
    counts,
    outcomes,
    ...(drift && !('error' in drift) ? { drift } : {}),
    warnings: diff?.notes ?? [],
    durationMs: performance.now() - t0,
  };
}

/** With the run on, a model onnxruntime can no longer load or run fails the check: that is a regression too. */
function ran(report: Report, asked: boolean): RuleOutcome[] {
  if (!asked || !report.run) return [];
  return [report.run.ok
    ? outcome('run', 'model', 'pass', `the model runs in onnxruntime ${report.run.ortVersion} (${report.run.ep})`)
    : outcome('run', 'model', 'error', `the model could not be run: ${report.run.error ?? 'unknown error'}`)];
}

/** The baseline model to run: the rule's, the baseline itself when it is a model, or the model a saved baseline report was made from. */
async function driftModel(rule: DriftRule, baseline: string | undefined, saved: Report | undefined): Promise<{ file: string; sha256?: string }> {
  if (rule.model) return { file: rule.model };
  if (baseline && !saved) return { file: baseline };
  const named = saved!.model.path;
  const exists = await fs.stat(named).then((s) => s.isFile(), () => false);
  if (!exists) throw new UsageError(`maxDrift runs the baseline model, and the baseline report's model ${named} is not there; set "model" in maxDrift`);
  return { file: named, sha256: saved!.model.sha256 };
}

/** Both models in the onnxruntime child; a failure there is the drift rule's error, not the whole check's. */
async function measureDrift(input: CheckInput, rule: DriftRule, baseline: { file: string; sha256?: string }, run: RunOptions | false, report: Report): Promise<DriftReport | { error: string }> {
  const options = run === false ? checkRun({}) : run;
  const job: DriftJob = {
    model: report.model.path, baseline: baseline.file, baselineSha256: baseline.sha256,
    run: { ...options, inputs: rule.inputs ?? options.inputs }, ...(rule.outputs ? { outputs: rule.outputs } : {}),
  };
  const bytes = 3 * (report.model.fileBytes + report.model.externalBytes);
  try {
    return await runInChild<DriftReport>(ORT_CHILD, 'drift', job, childLimits(options, bytes), {
      signal: input.signal,
      onProgress: (fraction, message) => input.onProgress?.({ fraction, message, phase: 'run' }),
    }, { file: report.model.path });
  } catch (e) {
    if (e instanceof CancelledError || !(e instanceof AnalysisError)) throw e;
    return { error: e.message };
  }
}
