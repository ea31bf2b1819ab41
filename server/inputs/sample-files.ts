import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { SAMPLE_EXTENSIONS } from '../../common/presets';
import { AnalysisError } from '../errors';
import { readRegular } from '../files/read-file';
import { isTestDataFolder, listDir, listTestDataSets } from './input-files';
import { parseTokenFile, type TokenSample } from './tokens';

/**
 * What the paths a user gave hold, before anything is decoded: one entry per sample. A folder
 * gives a sample per image (.png, .jpg, .jpeg), clip (.wav), tensor file (.npy, .npz, .pb) and
 * per entry of a token file (.json), in natural name order, or one per test_data_set_*; other
 * files are skipped and counted. Files named one by one: each image, clip or token entry is a
 * sample; tensor files named together make one sample, or, beside images, audio or tokens,
 * inputs every sample shares.
 */
export type SampleEntry =
  | { kind: 'image'; file: string }
  | { kind: 'audio'; file: string }
  | { kind: 'tensors'; files: string[]; source: string }
  | { kind: 'tokens'; sample: TokenSample };

export interface FoundSamples {
  entries: SampleEntry[];
  /** Tensor files given beside media samples: read once, fed to every sample. */
  shared: string[];
  ignored: number;
  paths: string[];
}

export type SampleKind = SampleEntry['kind'];

const KINDS: Record<string, SampleKind> = Object.fromEntries(
  (Object.entries(SAMPLE_EXTENSIONS) as [SampleKind, readonly string[]][]).flatMap(([kind, exts]) => exts.map((e) => [`.${e}`, kind])),
);

/** Token files are parsed here (to count their samples) and must be small. */
const MAX_TOKEN_FILE = 64 << 20;

export function kindOfFile(file: string): SampleKind | undefined {
  return KINDS[path.extname(file).toLowerCase()];
}

// Made on first use: an Intl object loads ICU's data, which most commands never need.
let collator: Intl.Collator | undefined;
const natural = { compare: (a: string, b: string): number => (collator ??= new Intl.Collator('en', { numeric: true, sensitivity: 'base' })).compare(a, b) };

export async function findSamples(paths: readonly string[], maxBytes: number): Promise<FoundSamples> {
  const found: FoundSamples = { entries: [], shared: [], ignored: 0, paths: [...paths] };
  const loose: string[] = [];
  for (const p of paths) {
    const stat = await fs.stat(p).catch((e: NodeJS.ErrnoException) => {
      throw new AnalysisError(e.code === 'ENOENT' ? 'no such file or folder' : e.message, { file: p });
    });
    if (stat.isDirectory()) await fromFolder(p, found, maxBytes);
    else {
      const kind = kindOfFile(p);
      if (!kind) throw new AnalysisError('unsupported input file type (expected .pb, .npy, .npz, .png, .jpg, .jpeg, .wav or .json)', { file: p });
      if (kind === 'tensors') loose.push(p);
      else await add(found, kind, p, maxBytes);
    }
  }
  if (loose.length) {
    if (found.entries.length) found.shared = loose;
    else found.entries.push({ kind: 'tensors', files: loose, source: loose.join(', ') });
  }
  if (!found.entries.length) throw new AnalysisError(`no inputs found${found.ignored ? ` (${found.ignored} files of other types)` : ''}`, { file: paths.join(', ') });
  return found;
}

async function fromFolder(dir: string, found: FoundSamples, maxBytes: number): Promise<void> {
  const names = await listDir(dir);
  if (isTestDataFolder(names)) {
    for (const files of await listTestDataSets(dir, names)) found.entries.push({ kind: 'tensors', files, source: path.dirname(files[0]) });
    return;
  }
  for (const name of names.sort(natural.compare)) {
    const file = path.join(dir, name);
    const kind = kindOfFile(name);
    if (!kind || name.startsWith('.')) {
      found.ignored++;
      continue;
    }
    if (!(await fs.stat(file)).isFile()) {
      found.ignored++;
      continue;
    }
    if (kind === 'tensors') found.entries.push({ kind, files: [file], source: file });
    else await add(found, kind, file, maxBytes);
  }
}

async function add(found: FoundSamples, kind: Exclude<SampleKind, 'tensors'>, file: string, maxBytes: number): Promise<void> {
  if (kind === 'image' || kind === 'audio') {
    found.entries.push(kind === 'image' ? { kind, file } : { kind, file });
    return;
  }
  const bytes = await readRegular(file, 'cannot read the token file', Math.min(maxBytes, MAX_TOKEN_FILE));
  for (const sample of parseTokenFile(bytes, file)) found.entries.push({ kind, sample });
}

/** Samples by kind, for the report. */
export function countKinds(entries: readonly SampleEntry[]): { images: number; audio: number; tokens: number; tensors: number } {
  const c = { images: 0, audio: 0, tokens: 0, tensors: 0 };
  for (const e of entries) {
    if (e.kind === 'image') c.images++;
    else if (e.kind === 'audio') c.audio++;
    else if (e.kind === 'tokens') c.tokens++;
    else c.tensors++;
  }
  return c;
}
