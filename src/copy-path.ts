import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The first free name beside the model: model.pruned.onnx, model.pruned-2.onnx, ... (never the model, never an existing file or data file). */
export function copyPath(model: string, exists: (p: string) => boolean = existsSync): string {
  const stem = path.join(path.dirname(model), path.basename(model).replace(/\.onnx$/i, ''));
  for (let k = 1; ; k++) {
    const p = `${stem}.pruned${k === 1 ? '' : `-${k}`}.onnx`;
    if (!exists(p) && !exists(`${p}.data`)) return p;
  }
}
