import * as path from 'node:path';
import * as vscode from 'vscode';
import { DEFAULT_PRESET, PRESETS, SAMPLE_EXTENSIONS } from '../common/presets';
import type { RememberedRun } from './run-memory';

/** Labels of the first question, also what the end-to-end test picks. */
export const CHOOSE_FOLDER = 'A folder of samples...';
export const CHOOSE_FILES = 'Sample files...';
export const CHANGE_PRESET = 'Change the image preprocessing...';
export const USE_GENERATED = 'Use generated inputs again';

const IMAGE = new Set<string>(SAMPLE_EXTENSIONS.image);
const ALL = Object.values(SAMPLE_EXTENSIONS).flat();

/**
 * Asks which samples the model runs on: a folder (a sample per file) or files, then, when they
 * hold images, the preprocessing preset. Undefined when the user gives up; inputs [] goes back
 * to generated data. The answer is remembered for the model by the caller.
 */
export async function askSampleInputs(model: vscode.Uri, current: RememberedRun): Promise<RememberedRun | undefined> {
  const name = path.basename(model.fsPath);
  const has = (current.inputs?.length ?? 0) > 0;
  const items: (vscode.QuickPickItem & { id: string })[] = [
    { id: 'folder', label: CHOOSE_FOLDER, description: 'images, WAV clips, token ids (.json) or tensors (.npy, .npz, .pb): a sample per file' },
    { id: 'files', label: CHOOSE_FILES, description: 'each image, clip or token file a sample; tensor files together make one' },
    ...(has ? [
      { id: 'preset', label: CHANGE_PRESET, description: `now ${current.preprocess?.preset ?? DEFAULT_PRESET}` },
      { id: 'generated', label: USE_GENERATED, description: 'seeded random data: activation figures then say "generated inputs"' },
    ] : []),
  ];
  const pick = await vscode.window.showQuickPick(items, {
    title: `Sample inputs for ${name}`,
    placeHolder: has ? `Now: ${current.inputs!.map((p) => path.basename(p)).join(', ')}` : 'Activation sparsity is measured on generated inputs until you give real ones',
    ignoreFocusOut: true,
  });
  if (!pick) return undefined;
  if (pick.id === 'generated') return { inputs: [] };
  if (pick.id === 'preset') {
    const preset = await askPreset(name, current.preprocess?.preset);
    return preset ? { preprocess: { ...current.preprocess, preset } } : undefined;
  }
  const folder = pick.id === 'folder';
  const chosen = await vscode.window.showOpenDialog({
    canSelectFiles: !folder, canSelectFolders: folder, canSelectMany: !folder,
    defaultUri: vscode.Uri.file(path.dirname(model.fsPath)),
    openLabel: 'Use as samples',
    title: folder ? `Folder of samples for ${name}` : `Sample files for ${name}`,
    ...(folder ? {} : { filters: { Samples: ALL } }),
  });
  if (!chosen?.length) return undefined;
  const inputs = chosen.map((u) => u.fsPath);
  if (!(await holdsImages(chosen))) return { inputs };
  const preset = await askPreset(name, current.preprocess?.preset);
  return preset ? { inputs, preprocess: { ...current.preprocess, preset } } : undefined;
}

async function askPreset(model: string, now: string | undefined): Promise<string | undefined> {
  const items = Object.entries(PRESETS).map(([id, p]) => ({
    label: id, description: `${p.text}${id === (now ?? DEFAULT_PRESET) ? ' (now)' : ''}`,
  }));
  const pick = await vscode.window.showQuickPick(items, {
    title: `Image preprocessing for ${model}`,
    placeHolder: 'How pixels become the model\u2019s input (layout and size come from its input shape)',
    ignoreFocusOut: true,
  });
  return pick?.label;
}

/** Whether any chosen file, or any file directly in a chosen folder, is an image. */
async function holdsImages(chosen: readonly vscode.Uri[]): Promise<boolean> {
  const isImage = (p: string): boolean => IMAGE.has(path.extname(p).slice(1).toLowerCase());
  for (const u of chosen) {
    if (isImage(u.fsPath)) return true;
    const stat = await vscode.workspace.fs.stat(u);
    if (stat.type & vscode.FileType.Directory) {
      const entries = await vscode.workspace.fs.readDirectory(u);
      if (entries.some(([n, t]) => t & vscode.FileType.File && isImage(n))) return true;
    }
  }
  return false;
}
