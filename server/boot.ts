import { readFileSync } from 'node:fs';
import Module from 'node:module';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { codeCacheDir, codeCacheFile, CODE_CACHE_READY, readCodeCache, writeCodeCache } from './files/code-cache';

/**
 * The entry Node starts (dist/cli.js, dist/server.js, dist/ort-child.js): loads the bundle beside
 * it (`BOOT_BUNDLE`, set by scripts/build.mjs) as Node would load a CommonJS module, but compiled
 * with V8's code cache from an earlier process of the same command (server/files/code-cache.ts).
 * The bundle runs as this module: `require.main === module` and its exports hold as before.
 * Node 20 compiled the 0.9 MB CLI bundle's functions on every start as they were first called;
 * from the cache, `analyze --no-run` of a small model took 0.86x the wall time (12 pairs).
 */
declare const BOOT_BUNDLE: string;
declare const BOOT_NAME: string;

/** The CLI's first argument names the command; anything else (a path, a flag) shares one cache. */
function variant(): string {
  if (BOOT_NAME !== 'cli') return 'all';
  const cmd = process.argv[2] ?? '';
  return /^[a-z][a-z-]{0,23}$/.test(cmd) ? cmd : 'other';
}

function boot(): void {
  const file = path.join(__dirname, BOOT_BUNDLE);
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  let cacheFile: string | undefined;
  try {
    const dir = codeCacheDir();
    cacheFile = dir === undefined ? undefined : codeCacheFile(dir, BOOT_NAME, source, variant());
  } catch {
    // No home folder to keep it in (os.homedir can throw): run without.
  }
  const cachedData = cacheFile === undefined ? undefined : readCodeCache(cacheFile);
  const script = new vm.Script(Module.wrap(source), { filename: file, cachedData });
  // Written once the bundle says its work is done, so the cache holds what that work compiled.
  const to = cacheFile;
  if (to !== undefined && (cachedData === undefined || script.cachedDataRejected === true))
    process.once(CODE_CACHE_READY, () => writeCodeCache(to, script.createCachedData()));
  const wrapper = script.runInThisContext() as (exports: unknown, req: NodeJS.Require, mod: NodeJS.Module, filename: string, dirname: string) => void;
  wrapper.call(module.exports, module.exports, require, module, file, path.dirname(file));
}

boot();
