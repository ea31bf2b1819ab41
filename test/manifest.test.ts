import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { withoutNpmEnv } from './e2e/setup';
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

// What each platform's .vsix holds, entry by entry and byte for byte, is test/package-vsix.test.ts.
describe('the Marketplace and Open VSX metadata', () => {
  const m = manifest as Manifest & Record<string, unknown> & {
    repository: { type: string; url: string }; bugs: { url: string }; homepage: string; icon: string;
    galleryBanner: { color: string; theme: string }; categories: string[]; keywords: string[];
    extensionKind: string[]; engines: Record<string, string>; version: string; license: string; publisher: string;
  };

  it('names one repository for source, issues and home page', () => {
    const repo = /^https:\/\/github\.com\/([\w.-]+\/[\w.-]+?)\.git$/.exec(m.repository.url)?.[1];
    assert.ok(repo, m.repository.url);
    assert.equal(m.repository.type, 'git');
    assert.equal(m.bugs.url, `https://github.com/${repo}/issues`);
    assert.equal(m.homepage, `https://github.com/${repo}#readme`);
  });

  it('has an icon, a gallery banner, Marketplace categories, keywords, a license and a publisher', () => {
    assert.equal(m.icon, 'assets/icon.png');
    assert.ok(existsSync(path.join(ROOT, m.icon)));
    assert.match(m.galleryBanner.color, /^#[0-9A-F]{6}$/);
    assert.ok(['dark', 'light'].includes(m.galleryBanner.theme));
    // The Marketplace's category list (vsce rejects others).
    const known = ['Azure', 'Data Science', 'Debuggers', 'Education', 'Extension Packs', 'Formatters', 'Keymaps', 'Language Packs', 'Linters', 'Machine Learning', 'Notebooks', 'Programming Languages', 'SCM Providers', 'Snippets', 'Testing', 'Themes', 'Visualization', 'AI', 'Chat', 'Other'];
    for (const c of m.categories) assert.ok(known.includes(c), c);
    assert.ok(m.keywords.length >= 3 && m.keywords.length <= 30, 'vsce allows at most 30 keywords');
    assert.equal(m.license, 'MIT');
    assert.ok(existsSync(path.join(ROOT, 'LICENSE')));
    assert.ok(m.publisher);
  });

  it('runs where the workspace is (Remote-SSH, WSL, containers): extensionKind workspace', () => {
    assert.deepEqual(m.extensionKind, ['workspace']);
  });

  it('has a CHANGELOG.md section for this version', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { changelogSection } = require('../scripts/release') as typeof import('../scripts/release');
    assert.ok(changelogSection(readFileSync(path.join(ROOT, 'CHANGELOG.md'), 'utf8'), m.version), `CHANGELOG.md has no '## ${m.version}'`);
    assert.equal(changelogSection('# C\n\n## 1.2.0 - 2026-01-02\n\n- b\n\n## 1.1.0\n\n- a\n', '1.2.0'), '- b');
    assert.equal(changelogSection('## 1.1.0\n\n- a\n', '1.1.0'), '- a');
    assert.equal(changelogSection('## 1.10.0\n\n- a\n', '1.1.0'), undefined);
    assert.equal(changelogSection('## 1.1.0\n\n## 1.0.0\n- a\n', '1.1.0'), undefined, 'an empty section is none');
  });

  it('is packaged per platform by `npm run package`, which vsce allows only without a "files" list', () => {
    assert.equal(manifest.files, undefined, 'vsce refuses package.json "files" beside .vscodeignore');
    assert.equal(manifest.scripts.package, 'npm run build && tsc -p . && node out/scripts/package.js');
    assert.match(manifest.scripts.release, /node out\/scripts\/release\.js$/);
    assert.equal(manifest.scripts.prepack, 'npm run build');
  });

  it('reads `npm run package -- --target ...` as the targets to pack, all six when none is given', () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { parseTargets, TARGETS } = require('../scripts/package-targets') as typeof import('../scripts/package-targets');
    assert.deepEqual(TARGETS, ['linux-x64', 'linux-arm64', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64']);
    assert.deepEqual(parseTargets([]), { targets: [...TARGETS], out: undefined });
    assert.deepEqual(parseTargets(['--target', 'darwin-arm64']).targets, ['darwin-arm64']);
    assert.deepEqual(parseTargets(['--target=win32-x64,linux-arm64', '--target', 'win32-x64', '--out', 'x']), { targets: ['win32-x64', 'linux-arm64'], out: 'x' });
    assert.throws(() => parseTargets(['--target', 'darwin-universal']), /unknown target 'darwin-universal'; the targets are linux-x64, linux-arm64, darwin-x64/);
    assert.throws(() => parseTargets(['--platform', 'linux-x64']), /--platform/);
  });

  it('keeps the extension\'s .vsix files out of git and the npm package', () => {
    const ignored = readFileSync(path.join(ROOT, '.gitignore'), 'utf8').split('\n');
    for (const p of ['*.vsix', 'packages/', 'release/']) assert.ok(ignored.includes(p), p);
  });

  it('leaves npm nothing to warn about on every command (no unknown .npmrc keys), and onnxruntime-node\'s CUDA download off', () => {
    const r = spawnSync('npm', ['pkg', 'get', 'name'], { cwd: ROOT, encoding: 'utf8', env: withoutNpmEnv(process.env) });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stderr, '');
    assert.equal(JSON.parse(r.stdout), 'onnx-sparsity');
    // npm >= 11.16 reads allowScripts; older npm runs every install script, so set-up says skip in the environment too.
    assert.equal((manifest as unknown as { allowScripts: Record<string, boolean> }).allowScripts['onnxruntime-node'], false);
    assert.match(readFileSync(path.join(ROOT, 'scripts', 'setup.sh'), 'utf8'), /ONNXRUNTIME_NODE_INSTALL=skip npm install/);
  });
});
