import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

/** The README's set-up must not fail because another apt holds its lock, nor fetch onnxruntime's CUDA libraries. */
describe('scripts/setup.sh', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', 'scripts', 'setup.sh'), 'utf8');

  it('waits (bounded) for the apt lock on every apt-get call, and says it may wait', () => {
    const calls = text.split('\n').filter((l) => /\bapt-get\b/.test(l) && !l.trim().startsWith('#') && !/^\s*echo/.test(l));
    assert.ok(calls.length >= 2, 'apt-get update and install');
    for (const c of calls) assert.match(c, /"\$\{lock\[@\]\}"/, c);
    assert.match(text, /lock=\(-o DPkg::Lock::Timeout=\d+\)/);
    assert.match(text, /echo .*waits up to \d+ min if another apt holds the lock/);
  });

  it('skips the CUDA download of onnxruntime-node', () => {
    assert.match(text, /ONNXRUNTIME_NODE_INSTALL=skip npm install/);
  });
});
