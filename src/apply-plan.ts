import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Report } from '../common/protocol';
import { PruneRequest, type AnalysisSettings } from '../common/requests';
import { Comparison } from './compare';
import { copyPath } from './copy-path';
import type { Ctx } from './ctx';

/**
 * *Apply Plan...*: the server plans again from its cached analysis at the chosen target and
 * budget, writes the pruned copy next to the model, runs both on the same inputs and times both;
 * the comparison view opens with the drift and latency figures.
 */
export async function applyPlan(ctx: Ctx, model: vscode.Uri, settings: AnalysisSettings, target: string, keep: number): Promise<{ ok: boolean; message: string }> {
  const out = copyPath(model.fsPath);
  const name = path.basename(model.fsPath);
  try {
    const r = await ctx.server.request(PruneRequest, { path: model.fsPath, ...settings, plan: { target, keep }, out }, `Pruning ${name} for ${target}`);
    Comparison.show(ctx, model, vscode.Uri.file(out), r);
    const o = r.prune;
    const worst = o.drift.outputs.filter((d) => !d.skipped).reduce<number>((m, d) => Math.max(m, d.relL2), 0);
    const planned = o.layers.filter((l) => l.ok).length;
    return {
      ok: true,
      message: `Wrote ${path.basename(out)}: ${planned} of ${o.layers.length} layers as planned, output drift up to ${(worst * 100).toFixed(2)}% (relative L2), ${o.latency.measuredSpeedup.toFixed(2)}x measured here.`,
    };
  } catch (e) {
    throw ctx.fail(e, `Pruning ${name}`);
  }
}

/** The plan the report proposes: its target and budget, for the palette command. */
export function reportPlan(r: Report | undefined): { target: string; keep: number } | undefined {
  const p = r?.advice?.plan;
  return p ? { target: p.target.id, keep: p.budget.keep } : undefined;
}
