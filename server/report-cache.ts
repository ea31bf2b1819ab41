import { createHash } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { AnalysisSettings } from '../common/requests';
import type { Report } from '../common/protocol';

interface Entry {
  report: Report;
  settings: string;
  /** The model file, and the external-data files the report read, as they were. */
  files: { path: string; size: number; mtimeMs: number }[];
}

/**
 * Recent reports, keyed by the model's content and the analysis settings. A file whose size and
 * modification time are unchanged is taken as unchanged without reading it; otherwise its SHA-256
 * decides (a touched-but-identical file, or a copy elsewhere, still hits).
 */
export class ReportCache {
  private readonly entries: Entry[] = [];

  constructor(private readonly capacity = 8) {}

  async get(file: string, settings: AnalysisSettings): Promise<Report | undefined> {
    const key = stableJson(settings);
    const abs = path.resolve(file);
    const candidates = this.entries.filter((e) => e.settings === key);
    if (!candidates.length) return undefined;
    const stat = await fs.stat(abs).catch(() => undefined);
    if (!stat?.isFile()) return undefined;
    for (const e of candidates)
      if (e.files[0].path === abs && e.files[0].size === stat.size && e.files[0].mtimeMs === stat.mtimeMs && (await unchanged(e.files.slice(1))))
        return this.touch(e);
    // Only a report of a file this size (and without external data) can share its content: hash
    // only then, so an edited model is read once (by its analysis), not twice.
    const sameSize = candidates.filter((e) => e.files.length === 1 && e.report.model.fileBytes === stat.size);
    if (!sameSize.length) return undefined;
    const sha = await sha256File(abs);
    const same = sameSize.find((e) => e.report.model.sha256 === sha);
    return same ? this.touch(same) : undefined;
  }

  async put(file: string, settings: AnalysisSettings, report: Report): Promise<void> {
    const abs = path.resolve(file);
    const dir = path.dirname(abs);
    const external = [...new Set(report.weights.flatMap((w) => (w.external ? [path.join(dir, w.external.file)] : [])))];
    const files = await Promise.all([abs, ...external].map(async (p) => {
      const s = await fs.stat(p);
      return { path: p, size: s.size, mtimeMs: s.mtimeMs };
    }));
    this.entries.unshift({ report, settings: stableJson(settings), files });
    this.entries.length = Math.min(this.entries.length, this.capacity);
  }

  /** Forget everything: new measurements (bench, crossover) change what a report would say. */
  clear(): void {
    this.entries.length = 0;
  }

  private touch(e: Entry): Report {
    this.entries.splice(this.entries.indexOf(e), 1);
    this.entries.unshift(e);
    return e.report;
  }
}

async function unchanged(files: Entry['files']): Promise<boolean> {
  for (const f of files) {
    const s = await fs.stat(f.path).catch(() => undefined);
    if (!s || s.size !== f.size || s.mtimeMs !== f.mtimeMs) return false;
  }
  return true;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(file).on('data', (d) => h.update(d)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });
}

/** JSON with object keys sorted, so equal settings give equal keys. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined).map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  return JSON.stringify(v);
}
