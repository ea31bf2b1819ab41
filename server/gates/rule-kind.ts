import * as path from 'node:path';
import type { DriftReport, Report, ReportDiff, RuleOutcome, RuleStatus } from '../../common/protocol';
import { UsageError } from '../errors';

/**
 * What every kind of rule is: the rules.json field it reads (checked field by field, each error
 * naming the field), whether it needs a baseline, and how it turns a report into outcomes. A new
 * kind of rule (per-layer verdicts, say) is one more RuleKind and one more entry in rules.ts.
 */
export interface RuleKind<T> {
  parse(f: Field): T;
  needsBaseline(rule: T): boolean;
  evaluate(rule: T, ctx: RuleContext): RuleOutcome[];
}

export interface RuleContext {
  report: Report;
  baseline?: Report;
  /** baseline -> report, when there is a baseline. */
  diff?: ReportDiff;
  /** The drift run's result, or why it has none. */
  drift?: DriftReport | { error: string };
}

/** Comparisons allow this much floating-point slack: 0.5 - 0.49 is 0.010000000000000009, which is a 1 pp drop. */
export const EPS = 1e-9;

/** At most this many items are listed under one outcome; the count says how many there were. */
const MAX_DETAILS = 50;

export function outcome(rule: string, subject: string, status: RuleStatus, message: string, details: string[] = []): RuleOutcome {
  const shown = details.length > MAX_DETAILS ? [...details.slice(0, MAX_DETAILS), `... and ${details.length - MAX_DETAILS} more`] : details;
  return { rule, subject, status, message, details: shown };
}

/** A value of rules.json at a path like "minLayerSparsity[1].min", so that every error names its field. */
export class Field {
  constructor(readonly file: string, readonly path: string, readonly value: unknown) {}

  fail(why: string): never {
    const v = this.value;
    const shown = typeof v === 'string' ? `'${v.slice(0, 80)}'` : JSON.stringify(v)?.slice(0, 80) ?? String(v);
    throw new UsageError(`${this.file}: ${this.path || 'the file'} ${why}, not ${shown}`);
  }

  /** The object's fields; a key not in `known` is an error (a misspelt rule must not pass silently). */
  object(known: readonly string[]): Record<string, Field | undefined> {
    const v = this.value;
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail('must be an object');
    const o = v as Record<string, unknown>;
    const unknown = Object.keys(o).filter((k) => !known.includes(k));
    if (unknown.length) throw new UsageError(`${this.file}: ${this.path ? `${this.path} has ` : ''}unknown field${unknown.length > 1 ? 's' : ''} ${unknown.map((k) => `'${k.slice(0, 80)}'`).join(', ')} (known: ${known.join(', ')})`);
    const out: Record<string, Field | undefined> = {};
    for (const k of known) out[k] = o[k] === undefined ? undefined : new Field(this.file, this.path ? `${this.path}.${k}` : k, o[k]);
    return out;
  }

  list(max = 1000): Field[] {
    if (!Array.isArray(this.value)) this.fail('must be a list');
    const v = this.value as unknown[];
    if (v.length > max) this.fail(`must have at most ${max} entries`);
    return v.map((x, i) => new Field(this.file, `${this.path}[${i}]`, x));
  }

  string(): string {
    const v = this.value;
    if (typeof v !== 'string' || v.trim().length === 0 || v.length > 4096) this.fail('must be a non-empty string');
    return (v as string).trim();
  }

  number(lo: number, hi: number, what = `a number from ${lo} to ${hi}`): number {
    const v = this.value;
    if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) this.fail(`must be ${what}`);
    return v as number;
  }

  /** A share: 0.5 is 50%. */
  fraction(): number {
    return this.number(0, 1, 'a fraction from 0 to 1 (0.5 is 50%)');
  }

  bool(): boolean {
    if (typeof this.value !== 'boolean') this.fail('must be true or false');
    return this.value as boolean;
  }

  /** A file named relative to the rules file's folder. */
  filePath(): string {
    const p = this.string();
    if (p.includes('\0')) this.fail('is not a usable path');
    return path.resolve(path.dirname(this.file), p);
  }
}

/** "N:M" with 1 <= N <= M. */
export function nmPattern(f: Field): string {
  const s = f.string();
  const m = /^(\d+):(\d+)$/.exec(s);
  if (!m || Number(m[1]) < 1 || Number(m[1]) > Number(m[2])) f.fail('must be an N:M pattern with 1 <= N <= M, e.g. "2:4"');
  return s;
}
