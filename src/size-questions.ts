import type { RunReport } from '../common/protocol';
import type { RememberedRun } from './run-memory';

/** One dim the user is asked for. */
export interface SizeQuestion {
  input: string;
  dim: number;
  /** Symbolic name, or null when the model leaves it unnamed (then the input's whole shape is remembered). */
  name: string | null;
  /** The input's declared dims, for the prompt ("[?, 3, height, width]"). */
  declared: (number | string | null)[];
  value: number;
}


/**
 * What to ask: the dims the failed run lacked (with their guesses), or, when it ran, every dim the
 * model does not fix (with the size it ran at). Pure, so it is unit-tested.
 */
export function sizeQuestions(run: RunReport): SizeQuestion[] {
  const declared = new Map((run.declaredInputs ?? []).map((i) => [i.name, i.dims]));
  if (run.missingSizes?.length)
    return run.missingSizes.map((m) => ({ input: m.input, dim: m.dim, name: m.name, declared: declared.get(m.input) ?? [], value: m.guess }));
  const used = new Map(run.inputs.map((i) => [i.name, i.shape]));
  return (run.declaredInputs ?? []).flatMap((i) => i.dims.flatMap((d, k) =>
    typeof d === 'number' ? [] : [{ input: i.name, dim: k, name: d, declared: i.dims, value: used.get(i.name)?.[k] ?? 1 }]));
}

/** The answers as the run takes them: named dims by name, inputs with an unnamed dim as whole shapes. */
export function answersToSizes(questions: readonly SizeQuestion[], answers: readonly number[], run: RunReport): RememberedRun {
  const dims: Record<string, number> = {};
  const shapes: Record<string, number[]> = {};
  const used = new Map(run.inputs.map((i) => [i.name, i.shape]));
  const missing = new Map((run.missingSizes ?? []).map((m) => [m.input, m.inputShape]));
  questions.forEach((q, i) => {
    if (q.name !== null) dims[q.name] = answers[i];
    else {
      const base = shapes[q.input] ?? [...(used.get(q.input) ?? missing.get(q.input) ?? q.declared.map((d) => (typeof d === 'number' ? d : 1)))];
      base[q.dim] = answers[i];
      shapes[q.input] = base;
    }
  });
  return { ...(Object.keys(dims).length ? { dims } : {}), ...(Object.keys(shapes).length ? { shapes } : {}) };
}
