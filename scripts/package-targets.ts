import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';

/**
 * The VS Code platforms we publish a .vsix for, and the folder of onnxruntime-node that holds
 * each one's native build (its dist/binding.js requires `bin/napi-v6/<platform>/<arch>`).
 * Whether that folder exists is read from the installed package, not assumed: onnxruntime-node
 * 1.30 ships none for darwin/x64, so the Intel Mac .vsix carries no native files and its
 * analysis is weights-only (server/analysis/run/ort-build.ts says so on every run).
 */
export const TARGETS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'] as const;
export type Target = (typeof TARGETS)[number];

export const ORT_BIN = 'node_modules/onnxruntime-node/bin/napi-v6';

/** `linux-x64` -> `linux/x64`, the onnxruntime-node folder of that platform. */
export const ortFolder = (t: Target): string => t.replace('-', '/');

/** The .vsix file a target is written to, as vsce names platform packages. */
export const vsixName = (name: string, t: Target, version: string): string => `${name}-${t}-${version}.vsix`;

/**
 * The native files of a target's .vsix, as paths from the package root: every file onnxruntime-node
 * ships for the platform, except a byte-identical copy under a versioned name. On macOS the
 * release holds libonnxruntime.1.30.0.dylib and libonnxruntime.1.dylib, a file and its symlink
 * on a Mac; an npm tarball cannot hold the link, so both arrive as 43 MB copies. The binding
 * loads `@rpath/libonnxruntime.1.dylib` only (test/package-vsix.test.ts reads its Mach-O load
 * commands), so the copy is left out. Empty when onnxruntime-node has no build for the target.
 */
export function nativeFiles(root: string, t: Target): string[] {
  const folder = `${ORT_BIN}/${ortFolder(t)}`;
  const dir = path.join(root, folder);
  if (!existsSync(dir)) return [];
  const names = readdirSync(dir).filter((n) => statSync(path.join(dir, n)).isFile()).sort();
  const digest = (n: string): string => createHash('sha256').update(readFileSync(path.join(dir, n))).digest('hex');
  const duplicate = (n: string): boolean => {
    const m = /^(libonnxruntime\.\d+)\.\d+\.\d+\.dylib$/.exec(n);
    const kept = m && `${m[1]}.dylib`;
    return !!kept && names.includes(kept) && digest(n) === digest(kept);
  };
  return names.filter((n) => !duplicate(n)).map((n) => `${folder}/${n}`);
}

/**
 * A target's ignore file: the shared `.vscodeignore` (everything out, then what every platform
 * runs back in), and its own native files named one by one. vsce keeps a file that any `!`
 * pattern matches, so leaving one file out means never naming it.
 */
export function ignoreFileFor(root: string, t: Target): string {
  const base = readFileSync(path.join(root, '.vscodeignore'), 'utf8').trimEnd();
  const native = nativeFiles(root, t);
  const lines = native.length
    ? [`# ${t}: onnxruntime-node's native build for ${ortFolder(t)}`, ...native.map((f) => `!${f}`)]
    : [`# ${t}: onnxruntime-node ships no native build for ${ortFolder(t)}; the analysis is weights-only`];
  return `${base}\n${lines.join('\n')}\n`;
}

/** `--target a,b --target c` (repeatable, comma lists) and `--out DIR`; no target given means all of them. */
export function parseTargets(argv: readonly string[]): { targets: Target[]; out: string | undefined } {
  const { values } = parseArgs({ args: [...argv], options: { target: { type: 'string', multiple: true }, out: { type: 'string' } }, strict: true });
  const targets: Target[] = [];
  for (const t of (values.target ?? []).flatMap((v) => v.split(',')).map((s) => s.trim())) {
    if (!(TARGETS as readonly string[]).includes(t)) throw new Error(`unknown target '${t}'; the targets are ${TARGETS.join(', ')}`);
    if (!targets.includes(t as Target)) targets.push(t as Target);
  }
  return { targets: targets.length ? targets : [...TARGETS], out: values.out };
}
