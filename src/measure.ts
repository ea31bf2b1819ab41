import * as path from 'node:path';
import * as vscode from 'vscode';
import { BenchRequest, CrossoverRequest } from '../common/requests';
import { benchMarkdown, crossoverMarkdown } from '../common/report/bench-markdown';
import { Config } from './config';
import type { Ctx } from './ctx';
import { showMarkdown } from './markdown-doc';

/**
 * "Benchmark Model..." and "Measure Sparse/Dense Crossover": measure on this machine, show the
 * result as a Markdown document, and let open reports pick it up (the server caches it and
 * attaches it to the next analysis).
 */
export async function benchmark(ctx: Ctx, model: vscode.Uri): Promise<boolean> {
  const settings = new Config(model).analysisSettings();
  const prune = await vscode.window.showQuickPick(
    [
      { label: 'Latency only', prune: undefined },
      { label: 'Also time a copy pruned to 2:4', prune: '2:4' },
      { label: 'Also time a copy pruned to 90% zeros', prune: '90%' },
    ],
    { title: `Benchmark ${path.basename(model.fsPath)}`, placeHolder: 'A pruned copy runs under the same settings; dense kernels usually gain nothing' },
  );
  if (!prune) return false;
  try {
    const b = await ctx.server.request(
      BenchRequest, { path: model.fsPath, run: settings.run || {}, seconds: 2, prune: prune.prune },
      `Benchmarking ${path.basename(model.fsPath)}`,
    );
    await showMarkdown(benchMarkdown(b));
    return true;
  } catch (e) {
    throw ctx.fail(e, `Benchmarking ${path.basename(model.fsPath)}`);
  }
}

export async function crossover(ctx: Ctx): Promise<boolean> {
  const settings = new Config().analysisSettings();
  try {
    const c = await ctx.server.request(CrossoverRequest, { run: settings.run || {} }, 'Measuring the sparse/dense crossover');
    await showMarkdown(crossoverMarkdown(c));
    void vscode.window.showInformationMessage(c.crossoverSparsity === null
      ? 'No sparse matmul beat the dense one here, even at 99.9% sparsity.'
      : `Sparse matmuls beat dense here from ${(c.crossoverSparsity * 100).toFixed(1)}% weight sparsity on. Reports now estimate "this machine" with it.`);
    return true;
  } catch (e) {
    throw ctx.fail(e, 'Measuring the crossover');
  }
}
