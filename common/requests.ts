import { RequestType, type WorkDoneProgressParams } from 'vscode-languageserver-protocol';
import type { AnalysisOptions, BenchReport, CheckResult, CrossoverReport, PruneOutcome, PruningPlan, Report, ReportDiff, RunOptions } from './protocol';

/**
 * The custom requests of our language server, one typed constant each, so no method string
 * appears at a call site. Shared by the server and the VS Code client. Requests carry a
 * client-made workDoneToken; the server reports $/progress on it.
 */
export interface AnalysisSettings {
  options?: Partial<AnalysisOptions>;
  /** Run the model (default) with these options, or false for weights only. */
  run?: Partial<RunOptions> | false;
  /**
   * The estimates, or false for none: a file of the user's own profiles, the scenarios, the
   * targets (chip+runtime ids, `default`, `all`), and sizes of symbolic dims for static shape
   * inference when the model is not run (with a run, run.dims).
   */
  estimate?: { accelerators?: string; scenarios?: string[]; targets?: string[]; dims?: Record<string, number>; plan?: PlanSettings } | false;
}

/**
 * The pruning plan a report carries: for `target` (default: the first focus target), keeping at
 * least `keep` of the layers' L1 magnitude (default 0.9), leaving the layers `leave` names
 * (names or globs with * and ?) as they are.
 */
export interface PlanSettings {
  target?: string;
  keep?: number;
  leave?: string[];
}

export interface AnalyzeParams extends WorkDoneProgressParams, AnalysisSettings {
  /** Absolute path of the .onnx file. */
  path: string;
}

export interface CompareParams extends WorkDoneProgressParams, AnalysisSettings {
  /** Absolute paths of the two .onnx files; either may be a saved report (.json) instead. */
  a: string;
  b: string;
}

export interface CompareResult {
  a: Report;
  b: Report;
  diff: ReportDiff;
}

export interface CheckParams extends WorkDoneProgressParams, AnalysisSettings {
  /** Absolute path of the .onnx file. */
  path: string;
  /** Absolute path of the rules file (onnx-sparsity.rules.json). */
  rules: string;
  /** Absolute path of a saved report or model to compare with, over the rules file's "baseline". */
  baseline?: string;
}

/** How to benchmark a model: the run's provider and inputs, warm-up and timed runs, a pruned copy. */
export interface BenchSettings {
  run?: Partial<RunOptions>;
  warmup?: number;
  /** Timed runs; or run for `seconds` instead (default 2 s). */
  iterations?: number;
  seconds?: number;
  /** Also time a copy pruned to "2:4" or "90%". */
  prune?: string;
}

export interface BenchParams extends WorkDoneProgressParams, BenchSettings {
  /** Absolute path of the .onnx file. */
  path: string;
}

export interface CrossoverSettings {
  /** [M, K, N]; default 1024 x 1024 x 256. */
  shape?: [number, number, number];
  run?: Partial<RunOptions>;
}

export interface CrossoverParams extends WorkDoneProgressParams, CrossoverSettings {}

export interface PlanParams extends WorkDoneProgressParams, AnalysisSettings {
  /** Absolute path of the .onnx file. */
  path: string;
  plan: PlanSettings;
}

export interface PruneParams extends WorkDoneProgressParams, AnalysisSettings {
  /** Absolute path of the .onnx file. */
  path: string;
  /** The plan to make (from the model's cached analysis) and apply. */
  plan: PlanSettings;
  /** Absolute path of the copy; never the model. */
  out: string;
  /** Timed runs of each model (default one second each). */
  timing?: { warmup?: number; iterations?: number; seconds?: number };
}

/** Both models compared, B the pruned copy, with its drift and latency. */
export type PruneResult = CompareResult & { prune: PruneOutcome };

export const AnalyzeRequest = new RequestType<AnalyzeParams, Report, void>('onnxSparsity/analyze');
export const PlanRequest = new RequestType<PlanParams, PruningPlan, void>('onnxSparsity/plan');
export const PruneRequest = new RequestType<PruneParams, PruneResult, void>('onnxSparsity/prune');
export const BenchRequest = new RequestType<BenchParams, BenchReport, void>('onnxSparsity/bench');
export const CrossoverRequest = new RequestType<CrossoverParams, CrossoverReport, void>('onnxSparsity/crossover');
export const CompareRequest = new RequestType<CompareParams, CompareResult, void>('onnxSparsity/compare');
export const CheckRequest = new RequestType<CheckParams, CheckResult, void>('onnxSparsity/check');

/** The rules file the client looks for at the root of the model's workspace folder. */
export const RULES_FILE = 'onnx-sparsity.rules.json';

/** Error codes the server answers with (JSON-RPC application range), besides LSP's RequestCancelled. */
export const ErrorCode = {
  /** The model cannot be analysed; the message names file, tensor or op. */
  analysis: -32001,
  /** The request's parameters were malformed. */
  usage: -32002,
} as const;
