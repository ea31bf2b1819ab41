import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { installVscodeStub, type Recorded } from './vscode-stub';

const ROOT = path.join(__dirname, '..', '..');

interface Manifest {
  main: string;
  files?: string[];
  scripts: Record<string, string>;
  contributes: {
    commands: { command: string; title: string; category?: string }[];
    menus: Record<string, { command: string; when?: string }[]>;
    keybindings?: { command: string }[];
    customEditors: { viewType: string; selector: { filenamePattern: string }[]; priority: string }[];
    configuration: { properties: Record<string, { default: unknown; markdownDescription?: string; description?: string }> };
  };
}

const manifest = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as Manifest;
const contributed = manifest.contributes.commands.map((c) => c.command);
const settingKeys = Object.keys(manifest.contributes.configuration.properties);

describe('the extension manifest', () => {
  let rec: Recorded;
  let deactivate: () => Promise<void>;

  before(() => {
    rec = installVscodeStub();
    const stub = require('vscode') as { Uri: { file(p: string): unknown } };
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const ext = require(path.join(ROOT, manifest.main)) as { activate(c: unknown): void; deactivate(): Promise<void> };
    ext.activate({ subscriptions: [], extensionUri: stub.Uri.file(ROOT), extensionPath: ROOT, asAbsolutePath: (p: string) => path.join(ROOT, p) });
    deactivate = ext.deactivate;
  });

  it('has every contributed command registered by activate, and registers no other', () => {
    assert.deepEqual([...rec.commands].sort(), [...contributed].sort());
    for (const c of manifest.contributes.commands) assert.equal(c.category, 'ONNX Sparsity', c.command);
  });

  it('registers the custom editor it contributes, as the default for *.onnx', () => {
    const [editor] = manifest.contributes.customEditors;
    assert.deepEqual(rec.customEditors.map((e) => e.viewType), [editor.viewType]);
    assert.deepEqual(editor.selector, [{ filenamePattern: '*.onnx' }]);
    assert.equal(editor.priority, 'default');
  });

  it('references only contributed commands from menus and keybindings', () => {
    const referenced = [...Object.values(manifest.contributes.menus).flat(), ...(manifest.contributes.keybindings ?? [])].map((m) => m.command);
    for (const c of referenced) assert.ok(contributed.includes(c), `${c} is in a menu but not in contributes.commands`);
    const explorer = manifest.contributes.menus['explorer/context'].map((m) => m.command);
    assert.deepEqual(explorer, ['onnxSparsity.analyzeFile', 'onnxSparsity.compareWith', 'onnxSparsity.benchmark']);
    for (const m of manifest.contributes.menus['explorer/context']) assert.match(m.when ?? '', /resourceExtname == \.onnx/);
  });

  it('hides the context-only commands from the palette', () => {
    const hidden = manifest.contributes.menus.commandPalette.filter((m) => m.when === 'false').map((m) => m.command);
    assert.deepEqual(hidden.sort(), ['onnxSparsity.analyzeFile', 'onnxSparsity.compareWith']);
  });

  it('reads every contributed setting through src/config.ts, and no other', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const config = require('../src/config') as typeof import('../src/config');
    rec.settingsRead.length = 0;
    new config.Config().values();
    assert.deepEqual([...new Set(rec.settingsRead)].sort(), [...settingKeys].sort());
    assert.deepEqual(Object.keys(config.EFFECT).map((k) => `onnxSparsity.${k}`).sort(), [...settingKeys].sort());
  });

  it('declares the same defaults as the client falls back to, and describes every setting', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { DEFAULT_SETTINGS } = require('../src/settings-to-request') as typeof import('../src/settings-to-request');
    for (const [key, p] of Object.entries(manifest.contributes.configuration.properties)) {
      assert.deepEqual(p.default, DEFAULT_SETTINGS[key.replace('onnxSparsity.', '') as keyof typeof DEFAULT_SETTINGS], key);
      assert.ok((p.markdownDescription ?? p.description ?? '').length > 20, `${key} has no description`);
    }
  });

  it('starts no server on activation and deactivates cleanly', async () => {
    await deactivate();
  });
});

describe('the .vsix contents (vsce ls)', () => {
  const vsce = path.join(ROOT, 'node_modules', '.bin', 'vsce');
  let files: string[];

  before(() => {
    const r = spawnSync(vsce, ['ls'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    assert.equal(r.status, 0, r.stderr);
    files = r.stdout.split('\n').filter(Boolean);
  });

  it('holds the bundles, the webview app and the linux-x64 onnxruntime native addon', () => {
    for (const f of [
      'package.json', 'README.md', 'LICENSE', 'dist/extension.js', 'dist/server.js', 'dist/ort-child.js', 'dist/media/report.js',
      'node_modules/onnxruntime-node/package.json', 'node_modules/onnxruntime-node/dist/index.js',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node',
      'node_modules/onnxruntime-node/bin/napi-v6/linux/x64/libonnxruntime.so.1',
      'node_modules/onnxruntime-common/package.json', 'node_modules/onnxruntime-common/dist/cjs/index.js',
    ])
      assert.ok(files.includes(f), `${f} is missing from the package`);
  });

  it('leaves out sources, tests, dev dependencies, source maps and other platforms\' binaries', () => {
    const allowed = /^(package\.json|README\.md|LICENSE|docs\/[^/]+\.md|dist\/(extension|server|ort-child)\.js|dist\/media\/[^/]+\.(js|css)|node_modules\/onnxruntime-(node|common)\/.*)$/;
    for (const f of files) {
      assert.match(f, allowed, `${f} should not be in the package`);
      assert.doesNotMatch(f, /\.map$|\.ts$|napi-v6\/(darwin|win32|linux\/arm64)\//, f);
    }
  });

  it('is built by `npm run package` for linux-x64, which vsce allows only without a "files" list', () => {
    assert.equal(manifest.files, undefined, 'vsce refuses package.json "files" beside .vscodeignore');
    assert.match(manifest.scripts.package, /vsce package .*--target linux-x64/);
    assert.ok(existsSync(path.join(ROOT, 'LICENSE')));
  });
});
