import table from './support.json';
import { Reader } from './json-reader';
import { PEAK_DTYPES, type PeakDtype } from './profile';

/**
 * Which runtime exploits which sparsity pattern at which dtype on which chip, and since or until
 * when: dated and sourced (support.json). The estimator takes the sparse path only where the
 * matrix says a runtime uses the pattern; the report quotes the reason in words either way.
 */

export type SupportStatus = 'supported' | 'experimental' | 'deprecated' | 'end-of-life' | 'removed' | 'not-enabled' | 'unsupported' | 'unknown';
const STATUSES: readonly SupportStatus[] = ['supported', 'experimental', 'deprecated', 'end-of-life', 'removed', 'not-enabled', 'unsupported', 'unknown'];

/** Statuses under which the runtime still runs the sparse kernels (end of life: they run, unmaintained). */
export const USABLE: ReadonlySet<SupportStatus> = new Set(['supported', 'experimental', 'deprecated', 'end-of-life']);

export interface SupportEntry {
  runtime: string;
  /** "2:4", "4:8", "unstructured", "block", "dual", or "*". */
  pattern: string;
  /** Compute dtypes, or ["*"]. */
  dtypes: string[];
  /** Chip ids or families ("nvidia-sm90"), or ["*"]. */
  chips: string[];
  /** Only weights of these dtypes (Sparse-Marlin: 4-bit). */
  weightDtypes?: string[];
  status: SupportStatus;
  /** ISO dates bounding when the entry holds (since inclusive, until exclusive). */
  since?: string;
  until?: string;
  /** When the evidence is from. */
  date: string;
  reason: string;
  source: string;
}

export interface SupportQuery {
  runtime: string;
  pattern: string;
  dtype: PeakDtype;
  chip: { id: string; family: string };
  weightDtype?: string;
  /** The day the answer is for (ISO date); the matrix's own date by default. */
  asOf?: string;
}

export interface SupportAnswer {
  status: SupportStatus;
  usable: boolean;
  reason: string;
  date: string;
  source: string;
}

const DATE = /^\d{4}(-\d{2}(-\d{2})?)?$/;

function validate(raw: unknown): { asOf: string; entries: SupportEntry[] } {
  const r = new Reader('built-in support.json');
  const o = r.obj(raw, 'support');
  const date = (v: unknown, path: string): string => (DATE.test(r.str(v, path)) ? (v as string) : r.fail(path, 'must be an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)'));
  const entries = r.list(o.entries, 'entries').map((x, i): SupportEntry => {
    const e = r.obj(x, `entries[${i}]`);
    const at = (k: string): string => `entries[${i}].${k}`;
    const strs = (v: unknown, path: string): string[] => r.list(v, path, 64).map((s, j) => r.str(s, `${path}[${j}]`));
    const dtypes = strs(e.dtypes, at('dtypes'));
    dtypes.forEach((d, j) => d === '*' || PEAK_DTYPES.includes(d as PeakDtype) || r.fail(`${at('dtypes')}[${j}]`, `is not a dtype (${PEAK_DTYPES.join(', ')}) or *`));
    return {
      runtime: r.str(e.runtime, at('runtime')), pattern: r.str(e.pattern, at('pattern')), dtypes, chips: strs(e.chips, at('chips')),
      ...(e.weightDtypes !== undefined ? { weightDtypes: strs(e.weightDtypes, at('weightDtypes')) } : {}),
      status: r.oneOf(e.status, at('status'), STATUSES),
      ...(e.since !== undefined ? { since: date(e.since, at('since')) } : {}),
      ...(e.until !== undefined ? { until: date(e.until, at('until')) } : {}),
      date: date(e.date, at('date')), reason: r.str(e.reason, at('reason')), source: r.str(e.source, at('source')),
    };
  });
  return { asOf: date(o.asOf, 'asOf'), entries };
}

const MATRIX = validate(table);

/** The date the built-in matrix speaks for. */
export const SUPPORT_AS_OF = MATRIX.asOf;

export function supportEntries(): readonly SupportEntry[] {
  return MATRIX.entries;
}

/** The first entry that matches the query and holds on its date; "unknown" when none does. */
export function supportFor(q: SupportQuery): SupportAnswer {
  const day = q.asOf ?? MATRIX.asOf;
  const hit = MATRIX.entries.find((e) =>
    e.runtime === q.runtime
    && (e.pattern === '*' || e.pattern === q.pattern)
    && (e.dtypes.includes('*') || e.dtypes.includes(q.dtype))
    && (e.chips.includes('*') || e.chips.includes(q.chip.id) || e.chips.includes(q.chip.family))
    && (!e.weightDtypes || (q.weightDtype !== undefined && e.weightDtypes.includes(q.weightDtype)))
    && (!e.since || e.since <= day)
    && (!e.until || day < e.until));
  if (!hit) return { status: 'unknown', usable: false, reason: `no entry in the support matrix for ${q.runtime}, ${q.pattern} at ${q.dtype} on ${q.chip.id}`, date: day, source: 'server/estimate/support.json' };
  return { status: hit.status, usable: USABLE.has(hit.status), reason: hit.reason, date: hit.date, source: hit.source };
}
