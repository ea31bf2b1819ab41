import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { createMessageConnection, StreamMessageReader, StreamMessageWriter } from 'vscode-jsonrpc/node';
import { InitializeRequest } from 'vscode-languageserver-protocol';
import type { Report } from '../common/protocol';
import { AnalyzeRequest } from '../common/requests';
import { buildDemoModel } from '../server/demo/demo-model';
import { readZip, type ZipEntry } from '../server/inputs/zip';
import { writeModel } from '../server/onnx/builder';
import { tempDir } from './helpers';
import { binaryPlatform, machoLinks } from './native-binaries';

const ROOT = path.join(__dirname, '..', '..');
const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Record<string, unknown> & {
  name: string; version: string; repository: { url: string }; galleryBanner: { color: string; theme: string };
};
/** The six VS Code platforms the issue names, spelled here rather than taken from the script under test. */
const PLATFORMS = ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
const ORT = path.join(ROOT, 'node_modules', 'onnxruntime-node');
const COMMON = path.join(ROOT, 'node_modules', 'onnxruntime-common');

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');
const walk = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name]));
const filesIn = (dir: string, ext: string): string[] => readdirSync(dir).filter((f) => f.endsWith(ext));

/**
 * The native files a platform's package must hold, from the binding's own load commands on macOS
 * (whatever it loads through @rpath = @loader_path, transitively) and every file onnxruntime-node
 * ships for the platform elsewhere (Windows loads DirectML and the DXC compiler by name at run time).
 */
function expectedNative(platform: string): string[] {
  const dir = path.join(ORT, 'bin', 'napi-v6', ...platform.split('-'));
  if (!existsSync(dir)) return [];
  if (!platform.startsWith('darwin')) return readdirSync(dir);
  const found = new Set<string>();
  const visit = (name: string): void => {
    if (found.has(name)) return;
    found.add(name);
    const links = machoLinks(readFileSync(path.join(dir, name)));
    assert.ok(name.endsWith('.node') || links.id === `@rpath/${name}`, `${name} is installed as ${links.id}`);
    for (const l of links.loads.filter((x) => x.startsWith('@rpath/'))) visit(l.slice('@rpath/'.length));
  };
  assert.deepEqual(machoLinks(readFileSync(path.join(dir, 'onnxruntime_binding.node'))).rpaths, ['@loader_path']);
  visit('onnxruntime_binding.node');
  return [...found];
}

/** Every entry a platform's .vsix must hold, each name mapped to the file it copies (undefined: written by vsce). */
function expectedEntries(platform: string): Map<string, string | undefined> {
  const e = new Map<string, string | undefined>([
    ['extension.vsixmanifest', undefined], ['[Content_Types].xml', undefined],
    ['extension/package.json', undefined], ['extension/readme.md', undefined],
    ['extension/changelog.md', path.join(ROOT, 'CHANGELOG.md')], ['extension/LICENSE.txt', path.join(ROOT, 'LICENSE')],
    ['extension/assets/icon.png', path.join(ROOT, 'assets', 'icon.png')],
  ]);
  const add = (dir: string, names: string[], under: string): void => {
    for (const n of names) e.set(`extension/${under}/${n}`, path.join(dir, n));
  };
  add(path.join(ROOT, 'docs'), filesIn(path.join(ROOT, 'docs'), '.md'), 'docs');
  add(path.join(ROOT, 'dist'), ['extension.js', 'server.js', 'server-main.js', 'ort-child.js', 'ort-child-main.js', 'pass-worker.js', 'kept-worker.js'], 'dist');
  add(path.join(ROOT, 'dist', 'media'), [...filesIn(path.join(ROOT, 'dist', 'media'), '.js'), 'report.css'], 'dist/media');
  add(ORT, ['package.json', ...filesIn(path.join(ORT, 'dist'), '.js').map((f) => `dist/${f}`)], 'node_modules/onnxruntime-node');
  add(COMMON, ['package.json', ...walk(path.join(COMMON, 'dist', 'cjs')).filter((f) => f.endsWith('.js') || f === 'package.json').map((f) => `dist/cjs/${f}`)], 'node_modules/onnxruntime-common');
  const native = path.join(ORT, 'bin', 'napi-v6', ...platform.split('-'));
  add(native, expectedNative(platform), `node_modules/onnxruntime-node/bin/napi-v6/${platform.replace('-', '/')}`);
  return e;
}

const fail = (m: string): never => assert.fail(m);

describe('the release: a .vsix per platform, the npm tarball and their checksums (npm run release -- --no-test)', () => {
  let out: string;
  const vsix = new Map<string, ZipEntry[]>();
  const vsixFile = (p: string): string => path.join(out, `${manifest.name}-${p}-${manifest.version}.vsix`);

  before(() => {
    out = path.join(tempDir(), 'release');
    const r = spawnSync(process.execPath, [path.join(ROOT, 'out', 'scripts', 'release.js'), '--no-test', '--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 300_000 });
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    for (const p of PLATFORMS) vsix.set(p, readZip(readFileSync(vsixFile(p)), fail));
  });

  it('writes the six .vsix, the npm tarball and SHA256SUMS, which sha256sum -c accepts', () => {
    const names = readdirSync(out).sort();
    assert.deepEqual(names, ['SHA256SUMS', `${manifest.name}-${manifest.version}.tgz`, ...PLATFORMS.map((p) => path.basename(vsixFile(p)))].sort());
    const sums = readFileSync(path.join(out, 'SHA256SUMS'), 'utf8').trim().split('\n');
    assert.equal(sums.length, 7);
    for (const line of sums) {
      const [digest, name] = line.split('  ');
      assert.equal(digest, sha(readFileSync(path.join(out, name))), name);
    }
    const check = spawnSync('sha256sum', ['-c', 'SHA256SUMS'], { cwd: out, encoding: 'utf8' });
    assert.equal(check.status, 0, check.stdout + check.stderr);
  });

  for (const platform of PLATFORMS)
    it(`${platform}: holds exactly the bundles, README, CHANGELOG, LICENSE, icon, docs and ${platform}'s own onnxruntime build, byte for byte`, () => {
      const entries = vsix.get(platform)!;
      const expected = expectedEntries(platform);
      assert.deepEqual(entries.map((e) => e.name).sort(), [...expected.keys()].sort());
      for (const e of entries) {
        const bytes = Buffer.from(e.read());
        const source = expected.get(e.name);
        if (source) assert.equal(sha(bytes), sha(readFileSync(source)), `${e.name} differs from ${source}`);
        if (e.name === 'extension/package.json') assert.deepEqual(JSON.parse(bytes.toString('utf8')), manifest);
        if (e.name.includes('/bin/napi-v6/'))
          assert.deepEqual(binaryPlatform(bytes), { os: platform.split('-')[0], arch: platform.split('-')[1] }, `${e.name} is not a ${platform} binary`);
      }
      const xml = Buffer.from(entries.find((e) => e.name === 'extension.vsixmanifest')!.read()).toString('utf8');
      assert.match(xml, new RegExp(`<Identity [^>]*Version="${manifest.version}"[^>]*TargetPlatform="${platform}"`));
      assert.match(xml, /<Icon>extension\/assets\/icon\.png<\/Icon>/);
      assert.match(xml, /Id="Microsoft\.VisualStudio\.Code\.ExtensionKind" Value="workspace"/);
      assert.ok(xml.includes(`Id="Microsoft.VisualStudio.Services.Links.Source" Value="${manifest.repository.url}"`));
      assert.ok(xml.includes(`Id="Microsoft.VisualStudio.Services.Branding.Color" Value="${manifest.galleryBanner.color}"`));
      assert.match(xml, /Microsoft\.VisualStudio\.Services\.Content\.Changelog" Path="extension\/changelog\.md"/);
    });

  it('darwin-x64 carries no native files, since onnxruntime-node ships no build for Intel Macs; every other platform carries its binding', () => {
    assert.equal(existsSync(path.join(ORT, 'bin', 'napi-v6', 'darwin', 'x64')), false, 'onnxruntime-node now ships darwin/x64: package it');
    for (const p of PLATFORMS) {
      const native = vsix.get(p)!.filter((e) => e.name.includes('/bin/'));
      if (p === 'darwin-x64') assert.deepEqual(native, []);
      else assert.ok(native.some((e) => e.name.endsWith('/onnxruntime_binding.node')), p);
    }
  });

  it('darwin-arm64 leaves out the 43 MB copy libonnxruntime.1.30.0.dylib, which nothing loads', () => {
    const names = vsix.get('darwin-arm64')!.map((e) => path.basename(e.name));
    assert.ok(names.includes('libonnxruntime.1.dylib'));
    assert.equal(names.filter((n) => /^libonnxruntime\.\d+\.\d+\.\d+\.dylib$/.test(n)).length, 0);
    assert.ok(readdirSync(path.join(ORT, 'bin', 'napi-v6', 'darwin', 'arm64')).includes(`libonnxruntime.${readOrtVersion()}.dylib`), 'the copy exists in onnxruntime-node');
  });

  describe('installed from its own files', () => {
    let demo: string;
    const extracted = new Map<string, string>();
    const extract = (platform: string): string => {
      let dir = extracted.get(platform);
      if (dir) return dir;
      dir = path.join(tempDir(), platform);
      for (const e of vsix.get(platform)!) {
        const to = path.join(dir, e.name);
        mkdirSync(path.dirname(to), { recursive: true });
        writeFileSync(to, e.read());
      }
      extracted.set(platform, dir);
      return dir;
    };
    before(async () => {
      demo = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    });

    it('linux-x64: the language server in the package runs the model in its onnxruntime child', async (t) => {
      if (`${process.platform}-${process.arch}` !== 'linux-x64') return t.skip('runs on linux-x64 only');
      const r = await analyzeWith(path.join(extract('linux-x64'), 'extension', 'dist', 'server.js'), [], demo);
      assert.equal(r.run?.ok, true, r.run?.error);
      assert.ok(r.values && r.values.length > 0, 'activation statistics from the run');
      assert.equal(r.layers.find((l) => l.name === 'conv2')?.nm['2:4'].ready, true);
    });

    it('darwin-x64: the weights are analysed and the run says onnxruntime-node ships no build for Intel Macs', async () => {
      const dir = extract('darwin-x64');
      // The server believes it is on an Intel Mac: process.platform and arch say so before anything loads.
      const preload = path.join(dir, 'intel-mac.js');
      writeFileSync(preload, "Object.defineProperty(process, 'platform', { value: 'darwin' }); Object.defineProperty(process, 'arch', { value: 'x64' });\n");
      const t0 = performance.now();
      const r = await analyzeWith(path.join(dir, 'extension', 'dist', 'server.js'), ['--require', preload], demo);
      assert.equal(r.run?.ok, false);
      assert.match(r.run?.error ?? '', /onnxruntime-node \d+\.\d+\.\d+ ships no native build for Intel Macs \(darwin-x64\)/);
      assert.ok(r.warnings.some((w) => /the model was not run: .*Intel Macs/.test(w)), r.warnings.join('\n'));
      assert.equal(r.layers.find((l) => l.name === 'conv2')?.nm['2:4'].ready, true, 'the weight analysis stands');
      assert.ok(r.totals.zeros > 0);
      assert.ok(r.estimates.length > 0, 'speedups are estimated without a run');
      assert.ok(performance.now() - t0 < 20_000, 'no run was attempted');
    });
  });
});

function readOrtVersion(): string {
  return (JSON.parse(readFileSync(path.join(ORT, 'package.json'), 'utf8')) as { version: string }).version;
}

/** Starts a language server bundle over stdio (with node flags), asks for one analysis and stops it. */
async function analyzeWith(server: string, nodeFlags: string[], model: string): Promise<Report> {
  const proc = spawn(process.execPath, [...nodeFlags, server, '--stdio'], { stdio: ['pipe', 'pipe', 'inherit'], cwd: path.dirname(server) });
  const conn = createMessageConnection(new StreamMessageReader(proc.stdout!), new StreamMessageWriter(proc.stdin!));
  conn.listen();
  try {
    await conn.sendRequest(InitializeRequest.type, { processId: process.pid, rootUri: null, capabilities: {} });
    return await conn.sendRequest(AnalyzeRequest, { path: model, run: {} });
  } finally {
    conn.dispose();
    proc.kill();
  }
}

