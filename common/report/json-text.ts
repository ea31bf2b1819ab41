/**
 * JSON text in pieces, exactly as `JSON.stringify(value, null, 2)` writes it: a report of
 * 100,000 layers is longer than the longest string V8 can hold (2^29 characters), so it is
 * written as it is made, about 64 KiB at a time.
 */
export function* jsonPieces(value: unknown, indent = 2): Generator<string> {
  const step = ' '.repeat(indent);
  const parts: string[] = [];
  let length = 0;
  const PIECE = 1 << 16;

  function* put(s: string): Generator<string> {
    parts.push(s);
    length += s.length;
    if (length >= PIECE) {
      yield parts.join('');
      parts.length = 0;
      length = 0;
    }
  }

  function* walk(v: unknown, pad: string): Generator<string> {
    if (v === null || typeof v !== 'object') return yield* put(primitive(v));
    const inner = pad + step;
    if (Array.isArray(v)) {
      if (!v.length) return yield* put('[]');
      yield* put('[\n');
      for (let i = 0; i < v.length; i++) {
        yield* put(inner);
        // Holes, undefined and functions become null in arrays, as JSON.stringify writes them.
        const x: unknown = v[i];
        yield* walk(x === undefined || typeof x === 'function' ? null : x, inner);
        yield* put(i < v.length - 1 ? ',\n' : '\n');
      }
      return yield* put(`${pad}]`);
    }
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined && typeof x !== 'function');
    if (!entries.length) return yield* put('{}');
    yield* put('{\n');
    for (let i = 0; i < entries.length; i++) {
      yield* put(`${inner}${JSON.stringify(entries[i][0])}: `);
      yield* walk(entries[i][1], inner);
      yield* put(i < entries.length - 1 ? ',\n' : '\n');
    }
    yield* put(`${pad}}`);
  }

  yield* walk(value, '');
  yield* put('\n');
  if (parts.length) yield parts.join('');
}

function primitive(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'bigint') throw new TypeError('a BigInt has no JSON form');
  return JSON.stringify(v) ?? 'null';
}
