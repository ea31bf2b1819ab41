import { AnalysisError } from '../errors';
import { readRegular } from '../files/read-file';
import { ProfileError, validateProfile, type AcceleratorProfile } from './profile';
import { builtinTargets } from './targets';

/** A profile file is a few kilobytes; anything near this is not one. */
const MAX_PROFILE_BYTES = 16 * 2 ** 20;

/** The targets that ship with onnx-sparsity: every chip + runtime pair of chips/ and runtimes/. */
export function builtinProfiles(): AcceleratorProfile[] {
  return builtinTargets();
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
