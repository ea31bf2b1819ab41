import type * as vscode from 'vscode';
import type { Preprocess, RunOptions } from '../common/protocol';
import type { AnalysisSettings } from '../common/requests';

/** What the user told the editor about one model's run: its input sizes, its sample inputs. */
export interface RememberedRun {
  dims?: Record<string, number>;
  shapes?: Record<string, number[]>;
  inputs?: string[];
  /** How its sample images become the input (the preset, mostly). */
  preprocess?: Preprocess;
}

/**
 * Per-model answers, kept in the workspace's state (not in settings: they belong to one model,
 * and settings are shared by every model of the folder). Every analysis of the model uses them
 * until they are changed.
 */
export class RunMemory {
  constructor(private readonly state: vscode.Memento) {}

  private key(model: vscode.Uri): string {
    return `onnxSparsity.run:${model.toString()}`;
  }

  get(model: vscode.Uri): RememberedRun {
    return this.state.get<RememberedRun>(this.key(model)) ?? {};
  }

  async update(model: vscode.Uri, patch: RememberedRun): Promise<void> {
    await this.state.update(this.key(model), { ...this.get(model), ...patch });
  }
}

/** The settings with what was remembered for the model on top (its sizes and inputs win over the folder's). */
export function withRemembered(settings: AnalysisSettings, r: RememberedRun): AnalysisSettings {
  if (settings.run === false) return settings;
  const run: Partial<RunOptions> = { ...settings.run };
  if (r.dims) run.dims = { ...run.dims, ...r.dims };
  if (r.shapes) run.shapes = { ...run.shapes, ...r.shapes };
  if (r.inputs?.length) {
    run.inputs = r.inputs;
    if (r.preprocess) run.preprocess = { ...run.preprocess, ...r.preprocess };
  }
  return { ...settings, run };
}
