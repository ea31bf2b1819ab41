/**
 * JSON text in pieces, exactly as `JSON.stringify(value, null, 2)` writes it: a report of
 * 100,000 layers is longer than the longest string V8 can hold (2^29 characters), so it is
 * written as it is made, 64 KiB at a time.
 */

/** Bytes of text per piece (a piece may end one character later, to keep a surrogate pair whole). */
const PIECE = 1 << 16;
/**
 * A value of at most this many nodes (a layer, an estimate row) is written by JSON.stringify
 * itself, re-indented: walking it here with generators cost 25 ms of a 0.6 MB model's 200 ms
 * analysis. Its text stays well under a megabyte, so holding it at once costs nothing.
 */
const WHOLE = 20_000;

/**
 * A whole value of at most this many nodes is written by one JSON.stringify: a small model's
 * report (45,000 nodes, 1.7 MB of text) took 11-28 ms walked subtree by subtree, re-indenting
 * each, against 3-6 ms whole (and ~4 ms to count its nodes). Only the top is counted this far:
 * every level the walk goes down counts its subtree again, up to WHOLE.
 */
const WHOLE_VALUE = 100_000;

/** JSON.stringify's text, or undefined past the longest string V8 makes (a value with huge strings). */
function stringified(v: unknown, indent: number): string | undefined {
  try {
    return JSON.stringify(v, null, indent);
  } catch (e) {
    if (e instanceof RangeError) return undefined;
    throw e;
  }
}

export function* jsonPieces(value: unknown, indent = 2): Generator<string> {
  const step = ' '.repeat(indent);
  const parts: string[] = [];
  let length = 0;

  function* put(s: string): Generator<string> {
    parts.push(s);
    length += s.length;
    if (length < PIECE) return;
    const text = parts.join('');
    let at = 0;
    while (text.length - at >= PIECE) {
      let end = at + PIECE;
      // A high surrogate ends the piece only with its low half: pieces are encoded one by one.
      const c = text.charCodeAt(end - 1);
      if (c >= 0xd800 && c <= 0xdbff) end++;
      yield text.slice(at, end);
      at = end;
    }
    parts.length = 0;
    length = text.length - at;
    if (length) parts.push(text.slice(at));
  }

  function* walk(v: unknown, pad: string): Generator<string> {
    if (v === null || typeof v !== 'object') return yield* put(primitive(v));
    const text = fits(v, { left: WHOLE }) ? stringified(v, indent) : undefined;
    if (text !== undefined) return yield* put(pad ? text.replace(/\n/g, `\n${pad}`) : text);
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

  const text = fits(value, { left: WHOLE_VALUE }) ? stringified(value, indent) : undefined;
  if (text !== undefined) yield* put(text);
  else yield* walk(value, '');
  yield* put('\n');
  if (parts.length) yield parts.join('');
}

/** Whether v has at most `budget.left` nodes; stops counting as soon as it has more. */
function fits(v: unknown, budget: { left: number }): boolean {
  if (--budget.left < 0) return false;
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) {
    for (const x of v) if (!fits(x, budget)) return false;
    return true;
  }
  // for-in, not Object.keys: no array of keys made per object (reports are plain objects, their
  // prototype has no enumerable keys; an inherited one would only count a node too many).
  for (const k in v) if (!fits((v as Record<string, unknown>)[k], budget)) return false;
  return true;
}

function primitive(v: unknown): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : 'null';
  if (typeof v === 'bigint') throw new TypeError('a BigInt has no JSON form');
  return JSON.stringify(v) ?? 'null';
}
