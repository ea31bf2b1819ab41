import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jsonPieces } from '../common/report/json-text';
import { buildDemoModel } from '../server/demo/demo-model';
import { analyzeBuilt } from './helpers';
import { syntheticReport } from './synthetic-report';

describe('JSON text in pieces', () => {
  const cases: [string, unknown][] = [
    ['primitives', [1, -0, 1e21, 1.5e-7, NaN, Infinity, -Infinity, null, true, 'a"b\\c\n\u2028', '']],
    ['empty containers', { a: [], b: {}, c: [[]], d: [{}] }],
    ['undefined and functions', { a: undefined, b: () => 1, c: [undefined, () => 1, 3] }],
    ['nesting', { x: { y: { z: [1, { w: 'deep' }] } } }],
    ['a top-level string', 'just text'],
  ];
  for (const [what, v] of cases)
    it(`writes ${what} exactly as JSON.stringify(v, null, 2)`, () => {
      assert.equal([...jsonPieces(v)].join(''), JSON.stringify(v, null, 2) + '\n');
    });

  it('writes a 2,000-layer report identically, in pieces of about 64 KiB', async () => {
    const r = syntheticReport(await analyzeBuilt(buildDemoModel()), 2000);
    const pieces = [...jsonPieces(r)];
    assert.equal(pieces.join(''), JSON.stringify(r, null, 2) + '\n');
    assert.ok(pieces.length > 10);
    assert.ok(pieces.slice(0, -1).every((p) => p.length >= 1 << 16 && p.length < (1 << 16) + 4096), 'piece sizes');
  });

  it('writes values larger than one piece, and nested past the size it stringifies whole, identically', () => {
    const wide = { rows: Array.from({ length: 30_000 }, (_, i) => ({ i, tags: [i % 3, 'r\u00e9sum\u00e9'], nested: { deep: [[i]] } })), tail: { n: 1 } };
    const pieces = [...jsonPieces(wide)];
    assert.equal(pieces.join(''), JSON.stringify(wide, null, 2) + '\n');
    assert.ok(pieces.slice(0, -1).every((p) => p.length >= 1 << 16 && p.length < (1 << 16) + 4096), 'piece sizes');
    const long = ['\u{1f600}'.repeat(40_000)];
    assert.equal([...jsonPieces(long)].join(''), JSON.stringify(long, null, 2) + '\n');
  });

  it('never ends a piece inside a surrogate pair: each piece encodes to UTF-8 on its own', () => {
    // '[\n  "' is 5 characters, so the pair at 65,535-65,536 straddles the first cut.
    const v = ['\u{1f600}'.repeat(40_000)];
    const pieces = [...jsonPieces(v)];
    assert.equal(pieces[0].length, (1 << 16) + 1);
    assert.deepEqual(Buffer.concat(pieces.map((p) => Buffer.from(p, 'utf8'))), Buffer.from(JSON.stringify(v, null, 2) + '\n', 'utf8'));
  });
});
