import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { AnalysisError } from '../../errors';
import { ortPackageVersion } from './session';

/**
 * Whether this installation of onnxruntime-node holds a native build for a platform: its
 * dist/binding.js requires `bin/napi-v6/<platform>/<arch>/onnxruntime_binding.node`, and where
 * that file is absent loading the package throws a bare "Cannot find module". onnxruntime-node
 * 1.30 ships none for Intel Macs, so the darwin-x64 .vsix (and an npm install on an Intel Mac)
 * has none; a platform package installed on another platform has none either. Returns what to
 * tell the user, or undefined when the build is there.
 */
export function missingOrtBuild(platform: string = process.platform, arch: string = process.arch, ortRoot: string = ortPackageRoot()): string | undefined {
  if (existsSync(path.join(ortRoot, 'bin', 'napi-v6', platform, arch, 'onnxruntime_binding.node'))) return undefined;
  const version = ortPackageVersion();
  const what = platform === 'darwin' && arch === 'x64'
    ? `onnxruntime-node ${version} ships no native build for Intel Macs (darwin-x64)`
    : `this installation of onnxruntime-node ${version} holds no native build for ${platform}-${arch} (is it a package for another platform?)`;
  return `${what}, so onnxruntime cannot run models on this machine; the weight analysis does not need it`;
}

/** Throws missingOrtBuild's message as the error of whatever was about to start onnxruntime. */
export function checkOrtBuild(what: { file?: string }): void {
  const missing = missingOrtBuild();
  if (missing) throw new AnalysisError(missing, what);
}

function ortPackageRoot(): string {
  return path.dirname(require.resolve('onnxruntime-node/package.json'));
}
