import { AnalysisError } from '../errors';
import { readRegular } from '../files/read-file';
import a100 from './profiles/a100.json';
import a100Sparse from './profiles/a100-2of4.json';
import h100 from './profiles/h100.json';
import h100Sparse from './profiles/h100-2of4.json';
import a100Block from './profiles/a100-block32.json';
import cpuSparse from './profiles/cpu-sparse-ryzen-7950x.json';
import cerebras from './profiles/cerebras-cs.json';
import scnn from './profiles/scnn.json';
import numenta from './profiles/numenta-fpga.json';
import { ProfileError, validateProfile, type AcceleratorProfile } from './profile';

/** A profile file is a few kilobytes; anything near this is not one. */
const MAX_PROFILE_BYTES = 16 * 2 ** 20;

const BUILTIN: Record<string, unknown> = {
  'a100.json': a100, 'a100-2of4.json': a100Sparse, 'a100-block32.json': a100Block, 'h100.json': h100, 'h100-2of4.json': h100Sparse,
  'cpu-sparse-ryzen-7950x.json': cpuSparse, 'cerebras-cs.json': cerebras, 'scnn.json': scnn, 'numenta-fpga.json': numenta,
};

/** The profiles that ship with onnx-sparsity (server/estimate/profiles/*.json). */
export function builtinProfiles(): AcceleratorProfile[] {
  return Object.entries(BUILTIN).map(([file, raw]) => validateProfile(raw, `built-in profile ${file}`));
}

/**
 * Profiles from a user's JSON file: one profile object or an array of them. A profile whose id
 * matches a built-in one replaces it.
 */
export async function userProfiles(file: string): Promise<AcceleratorProfile[]> {
  const text = (await readRegular(file, 'cannot read accelerator profiles', MAX_PROFILE_BYTES)).toString('utf8');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    // JSON.parse quotes the text it failed on: never echo a file's content (it may not be ours to show).
    throw new AnalysisError('cannot read accelerator profiles: not valid JSON', { file });
  }
  const list = Array.isArray(raw) ? raw : [raw];
  try {
    return list.map((p, i) => validateProfile(p, Array.isArray(raw) ? `${file}[${i}]` : file));
  } catch (e) {
    if (e instanceof ProfileError) throw new AnalysisError(`invalid accelerator profile: ${e.message}`, { file });
    throw e;
  }
}

export function mergeProfiles(base: readonly AcceleratorProfile[], extra: readonly AcceleratorProfile[]): AcceleratorProfile[] {
  const ids = new Set(extra.map((p) => p.id));
  return [...base.filter((p) => !ids.has(p.id)), ...extra];
}
