import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import { VERSION } from '../server/version';
import { tempDir } from './helpers';
import { binOf, npm, packagesOf, packTarball, ROOT, type Packed } from './npm-tarball';

interface PackageJson {
  name: string;
  version: string;
  bin: Record<string, string>;
  engines: { node: string };
  dependencies?: Record<string, string>;
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as PackageJson;

describe('the CLI as an npm package (npm pack, then npm install -g on a clean prefix)', () => {
  let packed: Packed;
  let prefix: string;
  let work: string;
  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(path.join(binOf(prefix), 'onnx-sparsity'), args, { cwd: work, encoding: 'utf8', timeout: 120_000, env: { ...process.env, NODE_PATH: '' } });

  before(() => {
    const dir = tempDir();
    packed = packTarball(dir);
    prefix = path.join(dir, 'prefix');
    // Outside the checkout, so nothing can resolve from its node_modules.
    work = tempDir();
    const r = npm(['install', '--global', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', packed.tarball], work);
    assert.equal(r.status, 0, `npm install -g failed:\n${r.stdout}\n${r.stderr}`);
  });

  it('packs only what the CLI runs: its bundle, the onnxruntime child, the workers of the two weight passes, the report app, README, CHANGELOG, LICENSE and the docs its reports cite', () => {
    const docs = readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`);
    const media = readdirSync(path.join(ROOT, 'dist', 'media')).filter((f) => !f.endsWith('.map')).map((f) => `dist/media/${f}`);
    assert.deepEqual(packed.files.sort(), ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE', 'dist/cli.js', 'dist/cli-main.js', 'dist/ort-child.js', 'dist/ort-child-main.js', 'dist/pass-worker.js', 'dist/kept-worker.js', ...media, ...docs].sort());
    assert.equal(path.basename(packed.tarball), `${manifest.name}-${manifest.version}.tgz`);
  });

  it('depends at run time on onnxruntime-node alone (everything else is bundled) and installs nothing else', () => {
    assert.deepEqual(Object.keys(manifest.dependencies ?? {}), ['onnxruntime-node']);
    // The installed tree is onnxruntime-node's dependency closure, walked from the installed package.json files.
    const modules = path.join(packagesOf(prefix), manifest.name, 'node_modules');
    const closure = new Set<string>();
    const visit = (name: string): void => {
      if (closure.has(name)) return;
      closure.add(name);
      const pj = JSON.parse(readFileSync(path.join(modules, name, 'package.json'), 'utf8')) as PackageJson;
      for (const d of Object.keys(pj.dependencies ?? {})) visit(d);
    };
    visit('onnxruntime-node');
    const installed = readdirSync(modules).filter((n) => !n.startsWith('.')).flatMap((n) => (n.startsWith('@') ? readdirSync(path.join(modules, n)).map((s) => `${n}/${s}`) : [n]));
    assert.deepEqual(installed.sort(), [...closure].sort());
    assert.ok(!existsSync(path.join(modules, 'onnxruntime-node', 'bin', 'napi-v6', 'linux', 'x64', 'libonnxruntime_providers_cuda.so')), 'the CUDA download was skipped');
  });

  it('puts onnx-sparsity on the prefix\'s PATH; --version prints the package version', () => {
    const r = cli(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), manifest.version);
    assert.equal(VERSION, manifest.version);
  });

  it('runs the demo end to end: weights, the run in onnxruntime\'s child process, estimates', () => {
    const r = cli(['demo', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.run?.ok, true, report.run?.error);
    assert.ok((report.values ?? []).length > 0, 'activation statistics come from the run');
    assert.equal(report.layers.find((l) => l.name === 'conv2')?.nm['2:4'].ready, true);
    assert.ok(report.estimates.length > 0);
  });

  it('writes the interactive HTML report from the packaged report app', () => {
    const out = path.join(work, 'demo.html');
    const r = cli(['demo', '--no-run', '--format', 'html', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const html = readFileSync(out, 'utf8');
    const app = readFileSync(path.join(ROOT, 'dist', 'media', 'report.js'), 'utf8');
    assert.ok(html.includes(app.slice(0, 200)), 'the bundled report app is inlined');
  });

  it('declares engines that every package it installs for development accepts', () => {
    // npm warns EBADENGINE for any locked package whose engines reject the Node in use; ours must
    // admit no Node older than the oldest one those accept.
    const semver = require('semver') as { satisfies(v: string, range: string): boolean; minVersion(range: string): { version: string } | null };
    const lowest = semver.minVersion(manifest.engines.node)?.version;
    assert.ok(lowest, manifest.engines.node);
    const lock = JSON.parse(readFileSync(path.join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { version?: string; engines?: { node?: string } | string[] }> };
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(lowest, p.engines.node))
      .map(([k, p]) => `${k.replace(/.*node_modules\//, '')}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    assert.deepEqual(refusing, [], `engines.node "${manifest.engines.node}" admits Node ${lowest}, which these refuse`);
    assert.ok(semver.satisfies(process.versions.node, manifest.engines.node), `this Node ${process.versions.node} is outside engines.node`);
  });
});
