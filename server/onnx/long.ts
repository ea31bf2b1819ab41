/** protobufjs hands 64-bit fields over as Long objects (or {low, high} when `long` is absent). */
export type Int64Like = number | { low: number; high: number; unsigned?: boolean };

/** Converts a 64-bit protobuf integer to a JS number, refusing values past 2^53 instead of rounding them. */
export function toSafeNumber(v: Int64Like | null | undefined, what: string): number {
  if (v === null || v === undefined) return 0;
  if (typeof v === 'number') return v;
  const lo = v.low >>> 0;
  const hi = v.unsigned ? v.high >>> 0 : v.high | 0;
  const n = hi * 4294967296 + lo;
  if (!Number.isSafeInteger(n)) throw new RangeError(`${what} ${n} is outside the safe integer range`);
  return n;
}

/** Lossy conversion for values (not sizes): magnitudes past 2^53 round, zero stays exactly zero. */
export function int64ToNumber(v: Int64Like): number {
  if (typeof v === 'number') return v;
  return (v.unsigned ? v.high >>> 0 : v.high | 0) * 4294967296 + (v.low >>> 0);
}
