import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, it } from 'node:test';

/** The tree is the data flow: scripts/check-imports.mjs (`npm run check:imports`) holds the stage order. */
describe('the import structure', () => {
  it('imports only earlier stages, and the client and webview only common/, with no import circle', () => {
    const r = spawnSync(process.execPath, [path.join(__dirname, '..', '..', 'scripts', 'check-imports.mjs')], { encoding: 'utf8' });
    const summary = /(\d+) files, (\d+) imports: (\d+) against the stage order, (\d+) circles/.exec(r.stdout);
    assert.ok(summary, r.stdout + r.stderr);
    assert.ok(Number(summary[1]) > 100, `only ${summary[1]} files read`);
    assert.equal(r.stdout.split('\n').filter((l) => /^(stage order|circle):/.test(l)).join('\n'), '');
    assert.deepEqual([summary[3], summary[4]], ['0', '0']);
    assert.equal(r.status, 0);
  });
});
