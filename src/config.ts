import * as os from 'node:os';
import * as vscode from 'vscode';
import type { AnalysisSettings } from '../common/requests';
import { SettingsError } from './failure';
import { DEFAULT_SETTINGS, toAnalysisSettings, type SettingKey, type Settings } from './settings-to-request';

export const SECTION = 'onnxSparsity';

/**
 * When a change to each setting takes effect. The server reads no setting itself: every request
 * carries them all (and its report cache is keyed by them), so a change applies to the next
 * analysis. The provider too: onnxruntime runs in a child process per run, so a GPU provider's
 * context (hundreds of MB of device memory) ends with the run that needed it.
 */
export const EFFECT: Record<SettingKey, 'next-analysis' | 'restart-server'> = {
  run: 'next-analysis',
  executionProvider: 'next-analysis',
  strictExecutionProvider: 'next-analysis',
  threads: 'next-analysis',
  memoryBudgetMB: 'next-analysis',
  symbolicDims: 'next-analysis',
  intRange: 'next-analysis',
  samples: 'next-analysis',
  nearZeroThreshold: 'next-analysis',
  nearZeroRelative: 'next-analysis',
  nmPatterns: 'next-analysis',
  blockShapes: 'next-analysis',
  acceleratorProfiles: 'next-analysis',
  scenarios: 'next-analysis',
  targets: 'next-analysis',
  activations: 'next-analysis',
  runTimeoutSeconds: 'next-analysis',
  runMemoryLimitMB: 'next-analysis',
};

/** The changed settings that need a fresh server process. */
export function changesNeedingRestart(e: vscode.ConfigurationChangeEvent): string[] {
  return (Object.keys(EFFECT) as SettingKey[]).filter((k) => EFFECT[k] === 'restart-server' && e.affectsConfiguration(`${SECTION}.${k}`)).map((k) => `${SECTION}.${k}`);
}

/**
 * The settings as they apply to one model (settings are resource-scoped, so a folder can set its
 * own symbolic dims). A snapshot: read once per analysis; the values are what settings.json
 * holds, checked by toAnalysisSettings.
 */
export class Config {
  private readonly section: vscode.WorkspaceConfiguration;

  constructor(private readonly scope?: vscode.Uri) {
    this.section = vscode.workspace.getConfiguration(SECTION, scope);
  }

  private get<K extends SettingKey>(key: K): Settings[K] {
    return this.section.get<Settings[K]>(key, DEFAULT_SETTINGS[key]);
  }

  /** Every setting (the manifest test holds this to the contributed list). */
  values(): Settings {
    const out: Partial<Record<SettingKey, unknown>> = {};
    for (const key of Object.keys(DEFAULT_SETTINGS) as SettingKey[]) out[key] = this.get(key);
    return out as Settings;
  }

  /** The request's AnalysisSettings; a SettingsError lists every setting to fix. */
  analysisSettings(): AnalysisSettings {
    const folder = this.scope ? vscode.workspace.getWorkspaceFolder(this.scope)?.uri.fsPath : undefined;
    const r = toAnalysisSettings(this.values(), { folder, home: os.homedir() });
    if (!r.ok) throw new SettingsError(r.problems.join('; '));
    return r.settings;
  }
}
