import { DEFAULT_FOCUS, DEFAULT_FOCUS_NO_RUN, DEFAULT_TARGETS, type Advice } from '../../common/protocol';
import { TARGET_ALIASES } from '../estimate/targets';

/**
 * The targets the headline and the action list speak for: those the user named (`--target`, the
 * onnxSparsity.targets setting, their own profile file), in their order; when they named none
 * (or only `default` / `all`, or the default list itself), the default pair: a datacenter GPU with 2:4 kernels and the machine
 * the model ran on, or with no run a CPU runtime with sparse kernels.
 */
export function focusTargets(selection: readonly string[] | undefined, estimated: readonly string[], own: readonly string[]): Advice['focus'] {
  const has = new Set(estimated);
  const named = (selection ?? [])
    .map((s) => s.trim())
    .filter((s) => s !== 'default' && s !== 'all')
    .map((s) => (has.has(s) ? s : TARGET_ALIASES[s] ?? s));
  // The default list spelled out (the VS Code setting's default value) names no choice either.
  const spelledDefault = named.length === DEFAULT_TARGETS.length && DEFAULT_TARGETS.every((id) => named.includes(id));
  const user = [...new Set([...(spelledDefault ? [] : named), ...own])].filter((id) => has.has(id));
  if (user.length) return { targets: user, chosen: 'user' };
  const pair = DEFAULT_FOCUS.map((id, i) => (has.has(id) ? id : DEFAULT_FOCUS_NO_RUN[i])).filter((id) => has.has(id));
  return { targets: pair.length ? [...new Set(pair)] : estimated.slice(0, 1), chosen: 'default' };
}
