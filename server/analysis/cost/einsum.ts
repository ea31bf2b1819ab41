/**
 * Einsum equations and the multiply-adds they cost. Operands are read as in the ONNX spec
 * (numpy's einsum): one term of index letters per input, an explicit output after '->' or, in
 * the implicit form, the letters that appear exactly once, in alphabetical (ASCII) order.
 */

export interface EinsumSpec {
  /** One term per input, e.g. ['bij', 'bjk']. */
  readonly inputs: readonly string[];
  readonly output: string;
  /** The equation named its output ('->') rather than leaving it implied. */
  readonly explicit: boolean;
}

const TERM = /^[A-Za-z]*$/;

/**
 * Parses an equation such as 'bij,bjk->bik' or 'ij,jk'. Undefined when it uses '...' (broadcast
 * dims whose letters we cannot name, so a MAC count would be a guess) or is malformed.
 */
export function parseEinsum(equation: string): EinsumSpec | undefined {
  const eq = equation.replace(/\s+/g, '');
  if (eq.includes('.')) return undefined;
  const sides = eq.split('->');
  if (sides.length > 2) return undefined;
  const inputs = sides[0].split(',');
  if (!inputs.every((t) => TERM.test(t))) return undefined;
  if (sides.length === 1) return { inputs, output: impliedOutput(inputs), explicit: false };
  const output = sides[1];
  if (!TERM.test(output) || new Set(output).size !== output.length) return undefined;
  const seen = new Set(inputs.join(''));
  if (![...output].every((c) => seen.has(c))) return undefined;
  return { inputs, output, explicit: true };
}

/** The implicit form's output: letters used exactly once, sorted by character code. */
function impliedOutput(inputs: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const c of inputs.join('')) counts.set(c, (counts.get(c) ?? 0) + 1);
  return [...counts].filter(([, n]) => n === 1).map(([c]) => c).sort().join('');
}

/**
 * The size of every index letter, from the operands' dims. A letter may be 1 in one operand and
 * n in another (numpy broadcasts it); any other disagreement, or a rank that does not match its
 * term, makes the sizes unknown.
 */
export function letterSizes(spec: EinsumSpec, dims: readonly (readonly number[] | undefined)[]): Map<string, number> | undefined {
  if (dims.length !== spec.inputs.length) return undefined;
  const sizes = new Map<string, number>();
  for (let i = 0; i < dims.length; i++) {
    const term = spec.inputs[i];
    const d = dims[i];
    if (!d || d.length !== term.length) return undefined;
    for (let j = 0; j < term.length; j++) {
      const had = sizes.get(term[j]);
      if (had === undefined || had === 1) sizes.set(term[j], d[j]);
      else if (d[j] !== had && d[j] !== 1) return undefined;
    }
  }
  return sizes;
}

/**
 * Multiply-adds of an Einsum. Convention: one MAC per term of the full sum, i.e. the product of
 * the sizes of all distinct letters: for two operands that is exactly "each output element sums
 * over the contracted letters" (bij,bjk->bik costs B x I x J x K, as MatMul does); for three or
 * more it counts one multiply-add per term too, whatever order a runtime would contract them in.
 * One operand is a transpose, diagonal or reduction: 0 MACs. Unknown ('...', unknown or
 * inconsistent shapes, malformed equation): 0.
 */
export function einsumMacs(equation: string, dims: readonly (readonly number[] | undefined)[]): number {
  const spec = parseEinsum(equation);
  if (!spec || spec.inputs.length < 2) return 0;
  const sizes = letterSizes(spec, dims);
  if (!sizes) return 0;
  let macs = 1;
  for (const n of sizes.values()) macs *= n;
  return macs;
}
