import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { before, describe, it } from 'node:test';
import { parse } from 'yaml';
import { buildDemoModel } from '../server/demo/demo-model';
import { writeModel } from '../server/onnx/builder';
import { tempDir } from './helpers';
import { binOf, packTarball, ROOT, userNpmEnv } from './npm-tarball';

const ACTION = path.join(ROOT, '.github', 'actions', 'check');
const version = (JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

interface Step { name?: string; id?: string; if?: string; uses?: string; with?: Record<string, string>; shell?: string; env?: Record<string, string>; run?: string }
interface Action {
  name: string;
  description: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string; value: string }>;
  runs: { using: string; steps: Step[] };
}

const action = parse(readFileSync(path.join(ACTION, 'action.yml'), 'utf8')) as Action;
const expressions = (s: string): string[] => [...s.matchAll(/\$\{\{\s*([^}]*?)\s*\}\}/g)].map((m) => m[1]);

/** Runs one of the action's scripts as its step would: bash, the step's env, GITHUB_OUTPUT/PATH/STEP_SUMMARY files. */
function step(script: 'install.sh' | 'check.sh', env: NodeJS.ProcessEnv, cwd: string): { status: number | null; out: string; outputs: Record<string, string>; summary: string; path: string } {
  const dir = tempDir();
  const files = { GITHUB_OUTPUT: path.join(dir, 'output'), GITHUB_PATH: path.join(dir, 'path'), GITHUB_STEP_SUMMARY: path.join(dir, 'summary') };
  for (const f of Object.values(files)) writeFileSync(f, '');
  const r = spawnSync('bash', [path.join(ACTION, script)], {
    cwd, encoding: 'utf8', timeout: 240_000,
    env: { ...userNpmEnv(), ONNXRUNTIME_NODE_INSTALL: '', GITHUB_ACTION_PATH: ACTION, RUNNER_TEMP: dir, ...files, ...env },
  });
  const outputs = Object.fromEntries(readFileSync(files.GITHUB_OUTPUT, 'utf8').split('\n').filter(Boolean).map((l) => l.split(/=(.*)/s, 2) as [string, string]));
  return { status: r.status, out: r.stdout + r.stderr, outputs, summary: readFileSync(files.GITHUB_STEP_SUMMARY, 'utf8'), path: readFileSync(files.GITHUB_PATH, 'utf8') };
}

/**
 * A stand-in `onnx-sparsity` on PATH for the argument handling of check.sh while the check
 * command itself is elsewhere (issue 16): it records its argv one per line, writes `FORMAT
 * output` to --out, and exits with $FAKE_EXIT.
 */
function recordingCli(): { bin: string; argv: () => string[][] } {
  const bin = tempDir();
  const log = path.join(bin, 'argv.log');
  writeFileSync(path.join(bin, 'onnx-sparsity'), `#!/usr/bin/env bash
{ printf '%s\\n' "$@"; echo '--end--'; } >> '${log}'
while [ $# -gt 0 ]; do case "$1" in --format) fmt=$2; shift ;; --out) out=$2; shift ;; esac; shift; done
[ -z "\${out:-}" ] || echo "$fmt output" > "$out"
exit "\${FAKE_EXIT:-0}"
`);
  chmodSync(path.join(bin, 'onnx-sparsity'), 0o755);
  const argv = (): string[][] => existsSync(log) ? readFileSync(log, 'utf8').split('--end--\n').filter(Boolean).map((a) => a.split('\n').filter(Boolean)) : [];
  return { bin, argv };
}

describe('the GitHub Action (.github/actions/check): action.yml', () => {
  it('is a composite action whose steps set up Node, install the CLI and run the check', () => {
    assert.equal(action.runs.using, 'composite');
    assert.deepEqual(action.runs.steps.map((s) => s.id ?? s.uses), ['actions/setup-node@v5', 'install', 'check']);
    const [setup, install, check] = action.runs.steps;
    assert.equal(setup.if, "inputs.node-version != ''");
    assert.deepEqual(setup.with, { 'node-version': '${{ inputs.node-version }}' });
    assert.equal(install.run, 'bash "$GITHUB_ACTION_PATH/install.sh"');
    assert.equal(check.run, 'bash "$GITHUB_ACTION_PATH/check.sh"');
    for (const s of [install, check]) assert.equal(s.shell, 'bash', s.id);
    assert.ok(action.name && action.description && action.branding.icon && action.branding.color);
  });

  it('hands inputs to its scripts only through env, and uses every input it declares', () => {
    const used = new Set<string>();
    for (const s of action.runs.steps) {
      // An input pasted into `run:` would be shell text: a path with $(...) in it would execute.
      assert.deepEqual(expressions(s.run ?? ''), [], `step ${s.id ?? s.uses} puts an expression in its script`);
      for (const e of [...Object.values(s.env ?? {}), ...Object.values(s.with ?? {}), s.if ?? ''].flatMap(expressions).concat(s.if ? [s.if] : []))
        for (const m of e.matchAll(/inputs\.([\w-]+)/g)) used.add(m[1]);
    }
    assert.deepEqual([...used].sort(), Object.keys(action.inputs).sort());
    for (const [k, v] of Object.entries(action.runs.steps.find((s) => s.id === 'check')!.env!)) assert.match(v, /^\$\{\{ inputs\.[\w-]+ \}\}$/, k);
    assert.equal(action.inputs.model.required, true);
    for (const [name, i] of Object.entries(action.inputs)) assert.ok(i.description.length > 20, name);
  });

  it('declares outputs from its steps\' outputs', () => {
    assert.deepEqual(Object.fromEntries(Object.entries(action.outputs).map(([k, o]) => [k, o.value])), {
      result: '${{ steps.check.outputs.result }}', 'exit-code': '${{ steps.check.outputs.exit-code }}',
      junit: '${{ steps.check.outputs.junit }}', version: '${{ steps.install.outputs.version }}',
    });
  });
});

describe('the GitHub Action: its scripts', () => {
  let prefix: string;
  let work: string;
  let installed: ReturnType<typeof step>;

  before(() => {
    const dir = tempDir();
    const { tarball } = packTarball(dir);
    prefix = path.join(dir, 'prefix');
    work = tempDir();
    installed = step('install.sh', { INPUT_PACKAGE: tarball, npm_config_prefix: prefix, npm_config_prefer_offline: 'true' }, work);
  });

  it('install.sh installs the package globally with the CUDA download skipped, puts its bin folder on GITHUB_PATH and outputs the version', () => {
    assert.equal(installed.status, 0, installed.out);
    assert.equal(installed.outputs.version, version);
    assert.equal(installed.path.trim(), binOf(prefix));
    assert.match(installed.out, new RegExp(`onnx-sparsity ${version.replace(/\./g, '\\.')} in `));
  });

  it('install.sh installs onnx-sparsity@<this action\'s version> when neither version nor package is given', () => {
    // npm and the CLI are recorders here: the registry has no onnx-sparsity to fetch.
    const bin = tempDir();
    writeFileSync(path.join(bin, 'npm'), `#!/usr/bin/env bash\nif [ "$1" = prefix ]; then echo '${bin}/p'; else echo "npm $* ORT=$ONNXRUNTIME_NODE_INSTALL"; fi\n`);
    chmodSync(path.join(bin, 'npm'), 0o755);
    const cliDir = path.join(bin, 'p', 'bin');
    spawnSync('mkdir', ['-p', cliDir]);
    writeFileSync(path.join(cliDir, 'onnx-sparsity'), '#!/usr/bin/env bash\necho 9.9.9\n');
    chmodSync(path.join(cliDir, 'onnx-sparsity'), 0o755);
    const r = step('install.sh', { PATH: `${bin}:${process.env.PATH}` }, work);
    assert.equal(r.status, 0, r.out);
    assert.match(r.out, new RegExp(`npm install --global --no-audit --no-fund onnx-sparsity@${version.replace(/\./g, '\\.')} ORT=skip`));
    assert.equal(r.outputs.version, '9.9.9');
  });

  it('check.sh stops with exit 2 and result=error when the installed CLI refuses the options, and writes no summary', () => {
    const r = step('check.sh', { PATH: `${binOf(prefix)}:${process.env.PATH}`, INPUT_MODEL: 'model.onnx', INPUT_ARGS: '--no-such-option', INPUT_JUNIT: 'results/check.xml', INPUT_SUMMARY: 'true' }, work);
    assert.equal(r.status, 2, r.out);
    assert.deepEqual(r.outputs, { result: 'error', 'exit-code': '2' });
    assert.equal(r.summary, '');
    assert.match(r.out, /no-such-option/);
    assert.match(r.out, /::error file=model\.onnx::onnx-sparsity check could not check the model \(exit code 2/);
  });

  it('check.sh refuses a missing model input with exit 2', () => {
    const r = step('check.sh', { INPUT_MODEL: '' }, work);
    assert.equal(r.status, 2);
    assert.match(r.out, /::error::onnx-sparsity check: the 'model' input is required/);
  });

  it('check.sh passes model, baseline, rules and args as separate words (spaces kept), once as Markdown and once as JUnit', () => {
    const fake = recordingCli();
    const r = step('check.sh', {
      PATH: `${fake.bin}:${process.env.PATH}`, INPUT_MODEL: 'models/my model.onnx', INPUT_BASELINE: 'base line.json', INPUT_RULES: 'rules.json',
      INPUT_ARGS: '--no-run  --dim height=640', INPUT_JUNIT: 'out dir/check.xml', INPUT_SUMMARY: 'true',
    }, work);
    assert.equal(r.status, 0, r.out);
    const [md, junit] = fake.argv();
    const common = ['check', 'models/my model.onnx', '--baseline', 'base line.json', '--rules', 'rules.json', '--no-run', '--dim', 'height=640', '--format'];
    assert.deepEqual(md.slice(0, -1), [...common, 'md', '--out']);
    assert.match(md.at(-1)!, /onnx-sparsity-check\.\w+$/, 'the Markdown goes to a temporary file');
    assert.deepEqual(junit, [...common, 'junit', '--out', 'out dir/check.xml']);
    assert.equal(readFileSync(path.join(work, 'out dir', 'check.xml'), 'utf8'), 'junit output\n');
    assert.equal(r.summary, 'md output\n');
    assert.match(r.out, /md output/);
    assert.deepEqual(r.outputs, { result: 'pass', 'exit-code': '0', junit: 'out dir/check.xml' });
  });

  it('check.sh fails the step with exit 1 and result=fail when a rule fails, keeping the summary and the JUnit file', () => {
    const fake = recordingCli();
    const r = step('check.sh', { PATH: `${fake.bin}:${process.env.PATH}`, FAKE_EXIT: '1', INPUT_MODEL: 'm.onnx', INPUT_JUNIT: 'fail.xml', INPUT_SUMMARY: 'true' }, work);
    assert.equal(r.status, 1, r.out);
    assert.deepEqual(r.outputs, { result: 'fail', 'exit-code': '1', junit: 'fail.xml' });
    assert.equal(r.summary, 'md output\n');
    assert.match(r.out, /::error file=m\.onnx::onnx-sparsity check failed/);
    assert.deepEqual(fake.argv().map((a) => a.slice(0, 2)), [['check', 'm.onnx'], ['check', 'm.onnx']]);
  });

  it('check.sh runs the check once, with no JUnit output or summary, when junit is empty and summary false', () => {
    const fake = recordingCli();
    const r = step('check.sh', { PATH: `${fake.bin}:${process.env.PATH}`, INPUT_MODEL: 'm.onnx', INPUT_JUNIT: '', INPUT_SUMMARY: 'false' }, work);
    assert.equal(r.status, 0, r.out);
    assert.equal(fake.argv().length, 1);
    assert.equal(r.summary, '');
    assert.deepEqual(r.outputs, { result: 'pass', 'exit-code': '0' });
  });

  it('check.sh with the real CLI: a model against its own saved report passes, a rule it breaks fails, with Markdown and JUnit each time', async () => {
    const bin = binOf(prefix);
    const model = await writeModel(buildDemoModel(), work, 'gate.onnx');
    const cli = (args: string[]) => spawnSync(path.join(bin, 'onnx-sparsity'), args, { cwd: work, encoding: 'utf8', env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    assert.equal(cli(['analyze', model, '--no-run', '--format', 'json', '--out', 'baseline.json']).status, 0);
    const pass = step('check.sh', { PATH: `${bin}:${process.env.PATH}`, INPUT_MODEL: model, INPUT_BASELINE: 'baseline.json', INPUT_ARGS: '--no-run', INPUT_JUNIT: 'results/pass.xml', INPUT_SUMMARY: 'true' }, work);
    assert.equal(pass.status, 0, pass.out);
    assert.equal(pass.outputs.result, 'pass');
    assert.match(pass.summary, /Sparsity check passed: \d+ rules: gate\.onnx/);
    assert.match(readFileSync(path.join(work, 'results', 'pass.xml'), 'utf8'), /<testsuites?[\s>][\s\S]*<testcase /);
    writeFileSync(path.join(work, 'rules.json'), JSON.stringify({ minTotalSparsity: 0.99 }));
    const fail = step('check.sh', { PATH: `${bin}:${process.env.PATH}`, INPUT_MODEL: model, INPUT_RULES: 'rules.json', INPUT_ARGS: '--no-run', INPUT_JUNIT: 'results/fail.xml', INPUT_SUMMARY: 'true' }, work);
    assert.equal(fail.status, 1, fail.out);
    assert.equal(fail.outputs.result, 'fail');
    assert.match(readFileSync(path.join(work, 'results', 'fail.xml'), 'utf8'), /<failure /);
  });
});
