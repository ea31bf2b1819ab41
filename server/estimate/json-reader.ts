/**
 * Field-by-field reading of untrusted JSON (profile files, the built-in chip, runtime and support
 * tables): every error names the file and the field path, and no value is trusted for its type.
 */

/** A number and where it comes from; `range` bounds it for the sampled optimistic/pessimistic ends. */
export interface Sourced<T = number> {
  value: T;
  range?: [number, number];
  source: string;
}

export class ProfileError extends Error {
  override readonly name = 'ProfileError';
}

export class Reader {
  constructor(private readonly where: string) {}

  fail(path: string, why: string): never {
    throw new ProfileError(`${this.where}: ${path} ${why}`);
  }

  obj(v: unknown, path: string): Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : this.fail(path, 'must be an object');
  }

  list(v: unknown, path: string, max = 10_000): unknown[] {
    return Array.isArray(v) && v.length <= max ? v : this.fail(path, `must be a list of at most ${max} items`);
  }

  str(v: unknown, path: string): string {
    return typeof v === 'string' && v.length > 0 && v.length <= 4096 ? v : this.fail(path, 'must be a non-empty string');
  }

  bool(v: unknown, path: string): boolean {
    return typeof v === 'boolean' ? v : this.fail(path, 'must be true or false');
  }

  oneOf<T extends string>(v: unknown, path: string, allowed: readonly T[]): T {
    return allowed.includes(v as T) ? (v as T) : this.fail(path, `must be one of ${allowed.join(', ')}`);
  }

  num(v: unknown, path: string, min = 0, max = Infinity): number {
    return typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max ? v : this.fail(path, `must be a number in [${min}, ${max}]`);
  }

  pair(v: unknown, path: string, min = 0, max = Infinity): [number, number] {
    if (!Array.isArray(v) || v.length !== 2) this.fail(path, 'must be [low, high]');
    const [a, b] = v as unknown[];
    const r: [number, number] = [this.num(a, `${path}[0]`, min, max), this.num(b, `${path}[1]`, min, max)];
    return r[0] <= r[1] ? r : this.fail(path, 'must have low <= high');
  }

  /** A pair of whole numbers in either order, e.g. a block shape [rows, cols]. */
  intPair(v: unknown, path: string, min: number, max: number): [number, number] {
    if (!Array.isArray(v) || v.length !== 2 || !v.every((x) => Number.isInteger(x))) this.fail(path, 'must be [a, b] of whole numbers');
    return [this.num(v[0], `${path}[0]`, min, max), this.num(v[1], `${path}[1]`, min, max)];
  }

  sourced(v: unknown, path: string, min = 0, max = Infinity): Sourced {
    const o = this.obj(v, path);
    const value = this.num(o.value, `${path}.value`, min, max);
    const source = this.str(o.source, `${path}.source`);
    if (o.range === undefined) return { value, source };
    const range = this.pair(o.range, `${path}.range`, min, max);
    return range[0] <= value && value <= range[1] ? { value, source, range } : this.fail(`${path}.range`, `must contain value ${value}`);
  }

  /** A multiplier range around 1 (low <= 1 <= high) with its source. */
  around1(v: unknown, path: string, min: number, max: number): [number, number] {
    const r = this.pair(v, path, min, max);
    return r[0] <= 1 && 1 <= r[1] ? r : this.fail(path, 'must contain 1');
  }
}
