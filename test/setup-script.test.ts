import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';

/** The README's set-up must not fail because another apt holds its lock, nor fetch onnxruntime's CUDA libraries. */
describe('scripts/setup.sh', () => {
  const text = readFileSync(path.join(__dirname, '..', '..', 'scripts', 'setup.sh'), 'utf8');

  it('waits (bounded) for the apt lock on every apt-get call, and says what it waits for', () => {
    const calls = text.split('\n').filter((l) => /\bapt-get\b/.test(l) && !l.trim().startsWith('#') && !/^\s*echo/.test(l));
    assert.ok(calls.length >= 1);
    // One place calls apt-get, with a lock timeout; everything else goes through it.
    for (const c of calls) assert.match(c, /apt-get -o DPkg::Lock::Timeout=\d+ "\$@"/, c);
    assert.match(text, /apt_retry update/);
    assert.match(text, /apt_retry install/);
    assert.match(text, /APT_LOCK_WAIT=\$\{APT_LOCK_WAIT:-\d+\}/);
    assert.match(text, /echo "setup: waiting for the apt\/dpkg lock held by/);
  });

  it('skips the CUDA download of onnxruntime-node', () => {
    assert.match(text, /ONNXRUNTIME_NODE_INSTALL=skip npm install/);
  });
});
