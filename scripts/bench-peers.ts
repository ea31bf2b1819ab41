/**
 * Goal 1: `analyze --no-run` end to end (a fresh process, every default metric) against the
 * script a user would write: scripts/numpy_zeros.py (onnx.load + to_array + count_nonzero) and
 * scripts/numpy_full.py (zeros, near-zeros, histogram, 2:4). The peers need Debian's
 * python3-onnx and python3-numpy; without them they are skipped with a message.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { bestWall, size, type Goal } from './bench-goals';

const ROOT = path.join(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const GOAL_ZEROS = 0.8;
const GOAL_FULL = 0.5;

/** The Python with Debian's onnx and numpy (the system one; a pyenv shim may lack them), or why there is none. */
export function python(): { exe: string } | { missing: string } {
  for (const exe of ['/usr/bin/python3', 'python3']) {
    const r = spawnSync(exe, ['-c', 'import onnx, numpy'], { stdio: 'ignore' });
    if (r.status === 0) return { exe };
  }
  return { missing: 'python3 with onnx and numpy not found (apt-get install python3-onnx python3-numpy, or scripts/setup.sh)' };
}

export interface PeerRow {
  label: string;
  bytes: number;
  oursMs: number;
  zerosMs?: number;
  fullMs?: number;
}

export function comparePeers(label: string, file: string, py: ReturnType<typeof python>): PeerRow {
  const bytes = statSync(file).size;
  const oursMs = bestWall(process.execPath, [CLI, 'analyze', '--no-run', '--format', 'json', file]);
  if ('missing' in py) return { label, bytes, oursMs };
  const zerosMs = bestWall(py.exe, [path.join(ROOT, 'scripts', 'numpy_zeros.py'), file]);
  const fullMs = bestWall(py.exe, [path.join(ROOT, 'scripts', 'numpy_full.py'), file]);
  return { label, bytes, oursMs, zerosMs, fullMs };
}

export function printPeer(r: PeerRow): void {
  const peers = r.zerosMs === undefined ? 'peers skipped'
    : `numpy zeros ${r.zerosMs.toFixed(0)} ms (${(r.oursMs / r.zerosMs).toFixed(2)}x), numpy full ${r.fullMs!.toFixed(0)} ms (${(r.oursMs / r.fullMs!).toFixed(2)}x)`;
  console.log(`   ${r.label.padEnd(34)} ${size(r.bytes).padStart(10)}: ours ${r.oursMs.toFixed(0)} ms; ${peers}`);
}

export function peerGoal(r: PeerRow): Goal {
  const goal = `1. analyze --no-run <= ${GOAL_ZEROS}x numpy zeros, <= ${GOAL_FULL}x numpy full`;
  if (r.zerosMs === undefined || r.fullMs === undefined) return { goal, subject: r.label, met: null, text: `ours ${r.oursMs.toFixed(0)} ms; peers not installed` };
  const a = r.oursMs / r.zerosMs;
  const b = r.oursMs / r.fullMs;
  return { goal, subject: r.label, met: a <= GOAL_ZEROS && b <= GOAL_FULL, text: `${a.toFixed(2)}x zeros, ${b.toFixed(2)}x full (${r.oursMs.toFixed(0)} / ${r.zerosMs.toFixed(0)} / ${r.fullMs.toFixed(0)} ms)` };
}

/** Every .onnx the real-model packages ship. */
export function realModels(): { label: string; file: string }[] {
  const dirs = [path.join(ROOT, 'node_modules', '@gutenye', 'ocr-models', 'assets'), path.join(ROOT, 'node_modules', '@ricky0123', 'vad-web', 'dist')];
  const out: { label: string; file: string }[] = [];
  for (const d of dirs) {
    let names: string[] = [];
    try {
      names = readdirSync(d);
    } catch {
      continue;
    }
    for (const n of names.filter((n) => n.endsWith('.onnx')).sort()) out.push({ label: n.replace(/\.onnx$/, ''), file: path.join(d, n) });
  }
  return out;
}
