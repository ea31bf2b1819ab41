import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import type { Report } from '../common/protocol';
import { missingOrtBuild } from '../server/analysis/run/ort-build';
import { buildDemoModel } from '../server/demo/demo-model';
import { writeModel } from '../server/onnx/builder';
import { CLI, tempDir } from './helpers';

const ORT = path.join(__dirname, '..', '..', 'node_modules', 'onnxruntime-node');
const BUILDS = path.join(ORT, 'bin', 'napi-v6');
const ORT_VERSION = (JSON.parse(readFileSync(path.join(ORT, 'package.json'), 'utf8')) as { version: string }).version;
const V = ORT_VERSION.replace(/\./g, '\\.');

describe('missingOrtBuild: whether onnxruntime-node can load on a platform', () => {
  it('finds every build the full npm package ships, and says none ships for Intel Macs', () => {
    for (const [os, arch] of [['linux', 'x64'], ['linux', 'arm64'], ['darwin', 'arm64'], ['win32', 'x64'], ['win32', 'arm64']]) {
      assert.ok(existsSync(path.join(BUILDS, os, arch, 'onnxruntime_binding.node')), `${os}/${arch} in onnxruntime-node`);
      assert.equal(missingOrtBuild(os, arch, ORT), undefined, `${os}/${arch}`);
    }
    assert.equal(existsSync(path.join(BUILDS, 'darwin', 'x64')), false);
    assert.equal(
      missingOrtBuild('darwin', 'x64', ORT),
      `onnxruntime-node ${ORT_VERSION} ships no native build for Intel Macs (darwin-x64), so onnxruntime cannot run models on this machine; the weight analysis does not need it`,
    );
  });

  it('says a platform package lacks the build where it was installed on another platform', () => {
    assert.match(missingOrtBuild('freebsd', 'x64', ORT) ?? '', new RegExp(`^this installation of onnxruntime-node ${V} holds no native build for freebsd-x64 \\(is it a package for another platform\\?\\), so onnxruntime cannot run`));
    assert.match(missingOrtBuild('linux', 'x64', tempDir()) ?? '', /holds no native build for linux-x64/);
  });
});

describe('the CLI on an Intel Mac (process.platform and arch set before it loads)', () => {
  let model: string;
  let preload: string;
  const cli = (args: string[]): { status: number | null; stdout: string; stderr: string } =>
    spawnSync(process.execPath, ['--require', preload, CLI, ...args], { encoding: 'utf8', timeout: 60_000 });

  before(async () => {
    model = await writeModel(buildDemoModel(), tempDir(), 'demo.onnx');
    preload = path.join(tempDir(), 'intel-mac.js');
    writeFileSync(preload, "Object.defineProperty(process, 'platform', { value: 'darwin' }); Object.defineProperty(process, 'arch', { value: 'x64' });\n");
  });

  it('analyze writes the weight report and exits 3, saying why the model was not run', () => {
    const r = cli(['analyze', model, '--format', 'json']);
    assert.equal(r.status, 3, r.stderr);
    const report = JSON.parse(r.stdout) as Report;
    assert.equal(report.run?.ok, false);
    assert.match(report.run?.error ?? '', new RegExp(`demo\\.onnx: onnxruntime-node ${V} ships no native build for Intel Macs`));
    assert.equal(report.layers.find((l) => l.name === 'conv2')?.nm['2:4'].ready, true);
    assert.match(r.stderr, /the model was not run: .*Intel Macs \(darwin-x64\)/);
  });

  it('analyze --no-run is a complete weights-only report, exit 0', () => {
    const r = cli(['analyze', model, '--no-run', '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Report).run, undefined);
  });

  it('bench and crossover fail at once with the same reason (exit 1), starting no onnxruntime process', () => {
    for (const args of [['bench', model, '--iterations', '1'], ['crossover']]) {
      const r = cli(args);
      assert.equal(r.status, 1, args.join(' '));
      assert.match(r.stderr, /ships no native build for Intel Macs \(darwin-x64\), so onnxruntime cannot run models on this machine/, args[0]);
    }
  });
});
