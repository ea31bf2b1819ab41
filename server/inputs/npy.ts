import { dtypeByName, type DTypeName } from '../onnx/dtypes';

/**
 * numpy's .npy format (numpy/lib/format.py, "NPY format"): magic, version, a little-endian header
 * length, a Python dict literal giving descr, fortran_order and shape, then the raw array bytes.
 */
export interface NpyArray {
  dtype: DTypeName;
  dims: number[];
  /** The array's bytes, little-endian, C order: a view of the file, not necessarily aligned. */
  bytes: Uint8Array;
}

/** Reports a problem with the file being read; the caller adds which file (and entry) it is. */
export type Fail = (message: string) => never;

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // "\x93NUMPY"
/** numpy itself refuses headers over 10 kB by default; 1 MiB leaves room for odd writers. */
const MAX_HEADER_BYTES = 1 << 20;

const typeCodes: Record<string, DTypeName> = {
  f2: 'float16', f4: 'float32', f8: 'float64', i1: 'int8', u1: 'uint8', b1: 'bool',
  i2: 'int16', u2: 'uint16', i4: 'int32', u4: 'uint32', i8: 'int64', u8: 'uint64',
};

export function parseNpy(file: Uint8Array, fail: Fail): NpyArray {
  if (file.length < 10 || MAGIC.some((b, i) => file[i] !== b)) fail('not a .npy file (no \\x93NUMPY magic)');
  const major = file[6];
  if (major < 1 || major > 3) fail(`.npy format version ${major}.${file[7]} is not supported (1.0, 2.0 and 3.0 are)`);
  const dv = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const start = major === 1 ? 10 : 12;
  if (file.length < start) fail('the file ends inside the .npy preamble');
  const headerLength = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (headerLength > MAX_HEADER_BYTES) fail(`.npy header of ${headerLength} bytes is larger than ${MAX_HEADER_BYTES}`);
  if (start + headerLength > file.length)
    fail(`the file ends inside the .npy header (${file.length} bytes, header needs ${start + headerLength})`);
  // Version 3.0 only differs by allowing UTF-8 in the header (structured field names).
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(file.subarray(start, start + headerLength));
  const header = parsePythonLiteral(text, fail);
  if (!isDict(header)) return fail(`.npy header is not a dict: ${clip(text)}`);
  const { descr, fortran_order: fortran, shape } = header;
  if (typeof descr !== 'string') return fail(`structured or missing descr ${clip(JSON.stringify(descr))}: only plain numeric dtypes are supported`);
  if (typeof fortran !== 'boolean') return fail(`.npy header has no fortran_order flag: ${clip(text)}`);
  if (!Array.isArray(shape) || !shape.every((d): d is number => typeof d === 'number'))
    return fail(`.npy header has no shape tuple: ${clip(text)}`);
  if (fortran) fail('fortran_order arrays are not supported: save a C-ordered copy (np.ascontiguousarray)');
  const dtype = npyDType(descr, fail);
  let elements = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) fail(`bad dimension ${d} in shape ${pyShape(shape)}`);
    elements *= d;
  }
  const itemBytes = dtypeByName(dtype).bits >> 3;
  const need = elements * itemBytes;
  if (!Number.isSafeInteger(need)) fail(`shape ${pyShape(shape)} has too many elements`);
  const have = file.length - start - headerLength;
  if (have !== need)
    fail(`array data holds ${have} bytes, shape ${pyShape(shape)} '${descr}' needs ${need}${have < need ? ' (file truncated?)' : ''}`);
  return { dtype, dims: shape, bytes: file.subarray(start + headerLength) };
}

function npyDType(descr: string, fail: Fail): DTypeName {
  const m = /^([<>=|]?)([a-zA-Z]\d*)$/.exec(descr);
  const name = m ? typeCodes[m[2]] : undefined;
  if (!m || !name) return fail(`dtype '${descr}' is not supported for inputs`);
  // Single-byte types have no byte order; '=' is the writer's native order, little-endian on every platform numpy ships for.
  if (m[1] === '>' && dtypeByName(name).bits > 8)
    fail(`big-endian dtype '${descr}' is not supported: convert with arr.astype('<${m[2]}')`);
  return name;
}

type PyValue = string | number | boolean | null | PyValue[] | PyDict;
interface PyDict { [key: string]: PyValue }

const isDict = (v: PyValue): v is PyDict => typeof v === 'object' && v !== null && !Array.isArray(v);
const clip = (s: string): string => (s.length > 80 ? `${s.slice(0, 80)}...` : s).trim();
const pyShape = (dims: number[]): string => (dims.length === 1 ? `(${dims[0]},)` : `(${dims.join(', ')})`);

/** The few Python literals a .npy header holds (dicts, tuples, lists, strings, ints, True/False/None); never evaluated. */
function parsePythonLiteral(text: string, fail: Fail): PyValue {
  const token = /\s*(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)"|(-?\d+)L?|(True|False|None)|([{}()[\]:,]))/y;
  let pos = 0;
  const bad = (what: string): never => fail(`.npy header is not a Python literal (${what} at ${pos}): ${clip(text)}`);
  const next = (): RegExpExecArray | null => {
    token.lastIndex = pos;
    const m = token.exec(text);
    if (m) pos = token.lastIndex;
    return m;
  };
  const peek = (): string | undefined => {
    token.lastIndex = pos;
    return token.exec(text)?.[5];
  };
  const value = (depth: number): PyValue => {
    if (depth > 32) bad('nesting too deep');
    const m = next() ?? bad('unexpected text');
    if (m[1] !== undefined || m[2] !== undefined) return (m[1] ?? m[2]).replace(/\\(.)/g, '$1');
    if (m[3] !== undefined) return Number(m[3]);
    if (m[4] !== undefined) return m[4] === 'None' ? null : m[4] === 'True';
    const open = m[5];
    const close = open === '{' ? '}' : open === '(' ? ')' : open === '[' ? ']' : bad(`unexpected '${open}'`);
    const items: PyValue[] = [];
    // No prototype: a '__proto__' key in a hostile header stays an ordinary key.
    const dict = Object.create(null) as PyDict;
    while (peek() !== close) {
      const item = value(depth + 1);
      if (open === '{') {
        if (typeof item !== 'string') bad('a dict key that is not a string');
        if (next()?.[5] !== ':') bad("missing ':'");
        dict[item as string] = value(depth + 1);
      } else items.push(item);
      if (peek() === ',') next();
      else if (peek() !== close) bad(`missing '${close}'`);
    }
    next();
    return open === '{' ? dict : items;
  };
  const result = value(0);
  if (text.slice(pos).trim() !== '') bad('trailing text');
  return result;
}
