/**
 * `npm run release [-- --no-test] [--out DIR]`: everything a release publishes, built and checked,
 * into DIR (default `release/<version>/`): the test suite, one .vsix per platform, the CLI's npm
 * tarball, and SHA256SUMS over all of them (`sha256sum -c SHA256SUMS` checks a download).
 * Publishes nothing: README.md "Releasing" says how to publish what it wrote.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { writeSafely } from '../server/files/safe-write';
import { packageTargets, ROOT } from './package';
import { TARGETS } from './package-targets';

interface Manifest { name: string; version: string }

/** The CHANGELOG.md section of `version` (`## 0.1.0`, optionally followed by a date), or undefined. */
export function changelogSection(changelog: string, version: string): string | undefined {
  const lines = changelog.split('\n');
  const escaped = version.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const start = lines.findIndex((l) => new RegExp(`^## \\[?${escaped}\\]?(\\s|$)`).test(l));
  if (start < 0) return undefined;
  const end = lines.findIndex((l, i) => i > start && l.startsWith('## '));
  const body = lines.slice(start + 1, end < 0 ? undefined : end).join('\n').trim();
  return body || undefined;
}

/** `sha256sum` lines for the files, by base name: `<64 hex>  <name>`, sorted by name. */
export async function checksums(files: readonly string[]): Promise<string> {
  const lines = await Promise.all(files.map(async (f) => `${await sha256(f)}  ${path.basename(f)}`));
  return lines.sort((a, b) => a.slice(66).localeCompare(b.slice(66))).join('\n') + '\n';
}

function sha256(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('error', reject).on('end', () => resolve(h.digest('hex')));
  });
}

/** `npm pack` of the CLI into `dir`; dist/ is already built, so its prepack build is skipped. */
function npmPack(dir: string): string {
  const r = spawnSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], { cwd: ROOT, encoding: 'utf8', shell: process.platform === 'win32' });
  if (r.status !== 0) throw new Error(`npm pack failed:\n${r.stderr}`);
  const [packed] = JSON.parse(r.stdout) as { filename: string }[];
  return path.join(dir, packed.filename);
}

export async function release(o: { test: boolean; out?: string }, log: (line: string) => void = console.log): Promise<string[]> {
  const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
  if (!changelogSection(readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'), manifest.version))
    throw new Error(`CHANGELOG.md has no section '## ${manifest.version}': say what this release changes first`);
  if (o.test) {
    log('npm test');
    const t = spawnSync('npm', ['test'], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    if (t.status !== 0) throw new Error('npm test failed: nothing was packed');
  }
  const out = path.resolve(o.out ?? path.join(ROOT, 'release', manifest.version));
  const vsix = await packageTargets(TARGETS, out, log);
  const tgz = npmPack(out);
  log(`npm: ${path.relative(process.cwd(), tgz)}`);
  const files = [...vsix.map((v) => v.file), tgz];
  const sums = path.join(out, 'SHA256SUMS');
  await writeSafely(sums, await checksums(files));
  log(`checksums: ${path.relative(process.cwd(), sums)}`);
  return [...files, sums];
}

if (require.main === module) {
  let args: { 'no-test'?: boolean; out?: string };
  try {
    args = parseArgs({ options: { 'no-test': { type: 'boolean' }, out: { type: 'string' } }, strict: true }).values;
  } catch (e) {
    console.error(`npm run release: ${(e as Error).message}; use --no-test and --out DIR`);
    process.exit(2);
  }
  release({ test: !args['no-test'], out: args.out }).catch((e: unknown) => {
    console.error(e instanceof Error ? e.message : String(e));
    process.exit(1);
  });
}
