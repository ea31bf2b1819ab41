import assert from 'node:assert/strict';
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as path from 'node:path';
import { withoutNpmEnv } from './e2e/setup';

export const ROOT = path.join(__dirname, '..', '..');

/**
 * An environment for an npm run as a user would have it: none of the npm_* variables of the
 * `npm test` this runs under, onnxruntime-node's CUDA download skipped as in our own set-up (the
 * npm registry is all the network there is), and npm's own cache reused.
 */
export function userNpmEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...withoutNpmEnv(process.env), ONNXRUNTIME_NODE_INSTALL: 'skip', ...extra };
}

export function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = userNpmEnv()): SpawnSyncReturns<string> {
  return spawnSync('npm', args, { cwd, env, encoding: 'utf8', timeout: 240_000, maxBuffer: 64 << 20 });
}

export interface Packed {
  tarball: string;
  /** Paths inside the package, as npm lists them. */
  files: string[];
}

/** `npm pack` of this checkout into `dir`. dist/ is fresh from the test build, so the prepack build is skipped. */
export function packTarball(dir: string): Packed {
  const r = npm(['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  assert.equal(r.status, 0, r.stderr);
  const [p] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[] }[];
  return { tarball: path.join(dir, p.filename), files: p.files.map((f) => f.path) };
}

/** Where npm puts a global prefix's commands. */
export const binOf = (prefix: string): string => (process.platform === 'win32' ? prefix : path.join(prefix, 'bin'));

/** Where npm puts a global prefix's packages. */
export const packagesOf = (prefix: string): string => (process.platform === 'win32' ? path.join(prefix, 'node_modules') : path.join(prefix, 'lib', 'node_modules'));
