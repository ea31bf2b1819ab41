import { UsageError } from '../../errors';
import { DEFAULT_OPTIONS, type AnalysisOptions } from '../../../common/protocol';
import type { NmPattern } from './weights';

export interface BlockShape {
  readonly key: string;
  readonly r: number;
  readonly c: number;
}

/** Groups wider than a word would need another kernel; no hardware uses them. */
const MAX_M = 32;

export function parseNm(key: string): NmPattern {
  const m = /^(\d+):(\d+)$/.exec(key.trim());
  if (!m) throw new UsageError(`N:M pattern '${key}' is not of the form N:M (e.g. 2:4)`);
  const n = Number(m[1]);
  const mm = Number(m[2]);
  if (mm < 1 || mm > MAX_M || n < 0 || n > mm) throw new UsageError(`N:M pattern '${key}' needs 0 <= N <= M <= ${MAX_M}`);
  return { key: `${n}:${mm}`, n, m: mm };
}

export function parseBlock(key: string): BlockShape {
  const m = /^(\d+)x(\d+)$/.exec(key.trim());
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new UsageError(`block shape '${key}' is not of the form RxC (e.g. 4x4)`);
  return { key: `${Number(m[1])}x${Number(m[2])}`, r: Number(m[1]), c: Number(m[2]) };
}

/** Fills defaults and checks every field, so the engine never sees a malformed option. */
export function resolveOptions(partial: Partial<AnalysisOptions> = {}): AnalysisOptions {
  const o: AnalysisOptions = {
    nearZero: partial.nearZero ?? DEFAULT_OPTIONS.nearZero,
    nm: partial.nm ?? DEFAULT_OPTIONS.nm,
    blocks: partial.blocks ?? DEFAULT_OPTIONS.blocks,
  };
  if (!(o.nearZero.value >= 0) || !Number.isFinite(o.nearZero.value))
    throw new UsageError(`near-zero threshold must be a finite number >= 0, got ${o.nearZero.value}`);
  return { ...o, nm: dedupe(o.nm.map((k) => parseNm(k).key)), blocks: dedupe(o.blocks.map((k) => parseBlock(k).key)) };
}

function dedupe(keys: string[]): string[] {
  return [...new Set(keys)];
}
