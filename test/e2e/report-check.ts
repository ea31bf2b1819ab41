import type { FrameLocator } from 'playwright-core';
import type { Report } from '../../common/protocol';
import { escapeRegExp } from './workbench';
import { until } from './wait';

/**
 * Reads a report webview as a person would: by its text. Labels and percentages are looked up in
 * the text, not by CSS class, so a restyled report still passes as long as it shows the same
 * figures under the same words. A percentage shown with d decimals matches when it is the
 * expected fraction rounded to d decimals.
 */

/** Waits until the webview shows `report`'s model (not the waiting line or a busy one) and returns its text. */
export async function reportText(frame: FrameLocator, modelName: string, timeoutMs = 60_000): Promise<string> {
  return until(`the report of ${modelName} in the webview`, timeoutMs, async () => {
    const text = await frame.locator('body').innerText({ timeout: 1_000 });
    return text.includes(modelName) && /weight sparsity/i.test(text) ? text : '';
  });
}

/** Every difference between what the webview shows and the CLI's report; empty when they agree. */
export async function compareReport(frame: FrameLocator, expected: Report): Promise<string[]> {
  const text = await reportText(frame, expected.model.name);
  const problems: string[] = [];
  const expect = (what: string, ok: boolean, detail: string): void => void (ok || problems.push(`${what}: ${detail}`));

  const sparsity = percentAfter(text, /weight sparsity/i);
  expect('weight sparsity', sparsity !== undefined && samePercent(sparsity, expected.totals.sparsity),
    `shows ${sparsity?.text ?? 'nothing'}, the CLI says ${pctText(expected.totals.sparsity)}`);

  const gemm = expected.layers.filter((l) => l.gemm);
  const ready = gemm.filter((l) => l.nm['2:4']?.ready).length;
  const readyShown = after(text, /2:4-ready layers/i)?.match(/(\d+)\s+of\s+(\d+)/);
  expect('2:4-ready layers', readyShown !== null && readyShown !== undefined && Number(readyShown[1]) === ready && Number(readyShown[2]) === gemm.length,
    `shows "${readyShown?.[0] ?? 'nothing'}", the CLI says ${ready} of ${gemm.length}`);

  const densities = expected.layers.map((l) => l.activation?.inputDensity).filter((d): d is number => typeof d === 'number');
  if (densities.length) {
    const mean = densities.reduce((a, b) => a + b, 0) / densities.length;
    const shown = percentAfter(text, /activation density/i);
    expect('input activation density (mean over layers)', shown !== undefined && samePercent(shown, mean), `shows ${shown?.text ?? 'nothing'}, the CLI says ${pctText(mean)}`);
  }

  const table = await layerTable(frame);
  const column = (re: RegExp): number => table.header.findIndex((h) => re.test(h));
  const cols = { zeros: column(/weight zeros/i), nm: column(/2:4/), density: column(/input density/i) };
  for (const [k, i] of Object.entries(cols)) expect('layer table', i >= 0, `no column for ${k} in [${table.header.join(' | ')}]`);
  for (const l of expected.layers) {
    const row = table.rows.find((r) => r.some((cell) => new RegExp(`^${escapeRegExp(l.name)}(\\s|$)`).test(cell)));
    if (!row) {
      problems.push(`layer ${l.name}: no row in the layer table`);
      continue;
    }
    const cell = (i: number): string => (i >= 0 ? row[i] ?? '' : '');
    const zeros = firstPercent(cell(cols.zeros));
    expect(`layer ${l.name} weight zeros`, zeros !== undefined && samePercent(zeros, l.sparsity), `shows "${cell(cols.zeros)}", the CLI says ${pctText(l.sparsity)}`);
    const nm = l.nm['2:4'];
    if (nm) {
      const groups = firstPercent(cell(cols.nm));
      expect(`layer ${l.name} 2:4 groups`, groups !== undefined && samePercent(groups, nm.groupShare), `shows "${cell(cols.nm)}", the CLI says ${pctText(nm.groupShare)}`);
      expect(`layer ${l.name} 2:4 readiness`, /ready/i.test(cell(cols.nm)) === nm.ready, `shows "${cell(cols.nm)}", the CLI says ${nm.ready ? 'ready' : 'not ready'}`);
    }
    const d = l.activation?.inputDensity;
    if (typeof d === 'number') {
      const shown = firstPercent(cell(cols.density));
      expect(`layer ${l.name} input density`, shown !== undefined && samePercent(shown, d), `shows "${cell(cols.density)}", the CLI says ${pctText(d)}`);
    }
  }
  return problems;
}

interface Percent {
  value: number;
  decimals: number;
  text: string;
}

function after(text: string, label: RegExp): string | undefined {
  const m = label.exec(text);
  return m ? text.slice(m.index + m[0].length) : undefined;
}

function firstPercent(text: string | undefined): Percent | undefined {
  const m = text?.match(/(\d+(?:\.(\d+))?)\s*%/);
  return m ? { value: Number(m[1]), decimals: m[2]?.length ?? 0, text: m[0] } : undefined;
}

function percentAfter(text: string, label: RegExp): Percent | undefined {
  return firstPercent(after(text, label));
}

/** The shown percentage is the fraction rounded to as many decimals as it shows. */
function samePercent(shown: Percent, fraction: number): boolean {
  return Math.abs(shown.value - fraction * 100) <= 0.5 * 10 ** -shown.decimals + 1e-9;
}

const pctText = (f: number): string => `${(f * 100).toFixed(4)}%`;

/** The table whose header names a "Layer" column: header texts and each row's cell texts. */
async function layerTable(frame: FrameLocator): Promise<{ header: string[]; rows: string[][] }> {
  // Runs in the page; the DOM types are not in this project's lib, so the table is typed by what is read.
  type Table = { rows: ArrayLike<{ cells: ArrayLike<{ innerText: string }> }> };
  const tables = await frame.locator('table').evaluateAll((els) => els.map((t) => {
    const rows = Array.from((t as unknown as Table).rows, (r) => Array.from(r.cells, (c) => c.innerText.trim()));
    return { header: rows[0] ?? [], rows: rows.slice(1) };
  }));
  return tables.find((t) => t.header.some((h) => /^layer\b/i.test(h))) ?? { header: [], rows: [] };
}
