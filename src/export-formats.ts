import { toCsv } from '../common/report/csv';
import { toMarkdown } from '../common/report/markdown';
import { standaloneHtml } from '../common/report/html';
import { titleOf, type ExportFormat, type Shown } from './shown';

/** The webview app's files, needed only for HTML. */
export interface AppAssets {
  script: string;
  style: string | undefined;
}

export const FORMAT_INFO: Record<ExportFormat, { label: string; extension: string }> = {
  json: { label: 'JSON (the versioned Report)', extension: 'json' },
  md: { label: 'Markdown', extension: 'md' },
  csv: { label: 'CSV (one row per layer)', extension: 'csv' },
  html: { label: 'HTML (standalone, opens in a browser)', extension: 'html' },
};

export type Rendered = { ok: true; text: string } | { ok: false; message: string };

/**
 * A shown report in an export format. JSON, Markdown and CSV are the CLI's own formats for one
 * report; a comparison is JSON ({a, b, diff}) or HTML, since Markdown and CSV describe one model.
 */
export function renderExport(shown: Shown, format: ExportFormat, assets: AppAssets | undefined, nonce: string): Rendered {
  if (format === 'json') return { ok: true, text: JSON.stringify(shown.type === 'report' ? shown.report : { a: shown.a, b: shown.b, diff: shown.diff }, null, 2) + '\n' };
  if (format === 'html') {
    if (!assets) return { ok: false, message: 'HTML export needs the report app (dist/media/report.js), which this installation lacks' };
    return { ok: true, text: standaloneHtml({ shown, script: assets.script, style: assets.style, title: `Sparsity: ${titleOf(shown)}`, nonce }) };
  }
  if (shown.type === 'compare') return { ok: false, message: `A comparison exports as JSON or HTML; open one model to export its report as ${FORMAT_INFO[format].label}` };
  return { ok: true, text: format === 'md' ? toMarkdown(shown.report) : toCsv(shown.report) };
}

/** "model.sparsity.md" beside the model: never the model's own name. */
export function defaultExportName(shown: Shown, format: ExportFormat): string {
  const stem = (name: string): string => name.replace(/\.onnx$/i, '');
  const base = shown.type === 'report' ? stem(shown.report.model.name) : `${stem(shown.a.model.name)}-vs-${stem(shown.b.model.name)}`;
  return `${base}.sparsity.${FORMAT_INFO[format].extension}`;
}
