import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { toMarkdown } from '../common/report/markdown';
import { buildDemoModel } from '../server/demo/demo-model';
import { ModelBuilder } from '../server/onnx/builder';
import { analyzeBuilt } from './helpers';

/** A table row's cells: split on pipes that are not escaped. */
function cells(row: string): string[] {
  return row.trim().replace(/^\|/, '').replace(/\|$/, '').split(/(?<!\\)\|/);
}

/** Every Markdown table in `md`: each row must have as many cells as its header. */
function checkTables(md: string): number {
  const lines = md.split('\n');
  let tables = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i].startsWith('|') || !/^\|(\s*:?-+:?\s*\|)+$/.test(lines[i + 1] ?? '')) continue;
    tables++;
    const width = cells(lines[i]).length;
    for (let j = i + 2; j < lines.length && lines[j].startsWith('|'); j++)
      assert.equal(cells(lines[j]).length, width, `row of ${cells(lines[j]).length} cells under a ${width}-column header:\n${lines[i]}\n${lines[j]}`);
  }
  return tables;
}

describe('Markdown reports', () => {
  it('keep every table row to its header\u2019s columns, threshold rules with |x| included', async () => {
    const md = toMarkdown(await analyzeBuilt(buildDemoModel(), { nearZero: { value: 1e-3, relative: true } }, {}));
    assert.ok(checkTables(md) >= 3);
    assert.ok(md.includes('\\|x\\| <= 0.001 x max\\|x\\| per tensor'), 'the rule is escaped');
  });

  it('escape pipes, emphasis, code and brackets in model names', async () => {
    const b = new ModelBuilder();
    const name = 'a|b*c_d`e[f]<g>';
    b.main.input('x', 'float32', [1, 4]).output('y', 'float32', [1, 2])
      .initializer('w', { dtype: 'float32', dims: [4, 2], values: [1, 0, 0, 1, 1, 0, 0, 1] })
      .node('MatMul', ['x', 'w'], ['y'], {}, name);
    const md = toMarkdown(await analyzeBuilt(b, {}, {}));
    checkTables(md);
    assert.ok(md.includes('a\\|b\\*c\\_d\\`e\\[f\\]&lt;g&gt;'), md);
  });
});
