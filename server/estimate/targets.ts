import { DEFAULT_TARGETS } from '../../common/protocol';
import { UsageError } from '../errors';
import { CHIPS, KERNEL_TABLES, RUNTIMES } from './builtin-data';
import { Reader } from './json-reader';
import { validateProfile, type AcceleratorProfile } from './profile';

/**
 * Targets: a chip (chips/*.json: peaks, bandwidth) and a runtime (runtimes/*.json: which
 * sparsity it runs, and per chip how fast: a kernel table or a roofline gain), combined into one
 * profile with the id "chip+runtime" (e.g. h100+tensorrt). Every built-in target goes through
 * validateProfile like a user's file does.
 */

type Obj = Record<string, unknown>;

/** Ids of earlier versions, so scripts and settings naming them keep working. */
export const TARGET_ALIASES: Readonly<Record<string, string>> = {
  a100: 'a100+onnxruntime', h100: 'h100+onnxruntime', 'a100-2:4': 'a100+pytorch', 'h100-2:4': 'h100+tensorrt',
  'a100-block32': 'a100+pytorch-bsr', 'cpu-sparse-ryzen-7950x': 'ryzen-7950x+deepsparse',
  'cerebras-cs': 'cerebras-cs2+cerebras', scnn: 'scnn+scnn', 'numenta-fpga': 'alveo-u250+numenta',
};

export const THIS_MACHINE = 'this-machine';

function tables(): Map<string, Obj> {
  const r = new Reader('built-in kernel-tables.json');
  return new Map(KERNEL_TABLES.map((t, i) => {
    const o = r.obj(t, `[${i}]`);
    return [r.str(o.id, `[${i}].id`), o];
  }));
}

/** The named tables as one: their points together, the widest range, every source. */
function kernelOf(ids: unknown, known: Map<string, Obj>, r: Reader, path: string): Obj {
  const list = r.list(ids, path, 16).map((x, i) => r.str(x, `${path}[${i}]`));
  const picked = list.map((id) => known.get(id) ?? r.fail(path, `names no kernel table '${id}'`));
  const ranges = picked.map((t) => (Array.isArray(t.range) ? (t.range as [number, number]) : [1, 1] as [number, number]));
  return {
    points: picked.flatMap((t) => t.points as unknown[]),
    range: [Math.min(...ranges.map((x) => x[0])), Math.max(...ranges.map((x) => x[1]))],
    source: picked.map((t) => `${String(t.name)}: ${String(t.source)}; range: ${String(t.rangeSource ?? 'none')}`).join(' | '),
  };
}

function chipsById(): Map<string, Obj> {
  const r = new Reader('built-in chips');
  return new Map(CHIPS.map((c, i) => {
    const o = r.obj(c, `[${i}]`);
    r.str(o.family, `${String(o.id)}.family`);
    return [r.str(o.id, `[${i}].id`), o];
  }));
}

function targetsOfRuntime(raw: unknown, chips: Map<string, Obj>, kernels: Map<string, Obj>): AcceleratorProfile[] {
  const r = new Reader('built-in runtime');
  const rt = r.obj(raw, 'runtime');
  const id = r.str(rt.id, 'id');
  const where = `built-in runtime ${id}`;
  const rr = new Reader(where);
  const name = rr.str(rt.name, 'name');
  const float32As = rr.oneOf(rt.float32, 'float32', ['float32', 'tfloat32'] as const);
  const common = [`FP32 layers run at the ${float32As === 'tfloat32' ? 'TF32 tensor-core' : 'FP32'} rate: ${rr.str(rt.float32Source, 'float32Source')}`];
  const make = (chipId: string, kind: string, sparsity: Obj | undefined, extra: string[]): AcceleratorProfile => {
    const c = chips.get(chipId) ?? rr.fail('chips', `names no chip '${chipId}'`);
    return validateProfile({
      id: `${chipId}+${id}`, name: `${String(c.name)} + ${name}`, kind,
      peakMacsPerSecond: c.peakMacsPerSecond, memoryBandwidth: c.memoryBandwidth, utilization: c.utilization, float32As,
      chip: { id: chipId, name: c.name, family: c.family }, runtime: { id, name },
      assumptions: [...common, ...extra],
      ...(sparsity ? { sparsity } : {}),
    }, `built-in target ${chipId}+${id}`);
  };
  if (rt.sparse === null) return rr.list(rt.chips, 'chips', 64).map((c, i) => make(rr.str(c, `chips[${i}]`), 'none', undefined, []));
  const s = rr.obj(rt.sparse, 'sparse');
  const kind = rr.str(s.kind, 'sparse.kind');
  const shared = [rr.str(s.onlyWhenFasterSource, 'sparse.onlyWhenFasterSource')];
  if (typeof s.dtypePatternsSource === 'string') shared.push(s.dtypePatternsSource);
  if (typeof s.layerKindsSource === 'string') shared.push(`only ${String(s.layerKinds)} layers: ${s.layerKindsSource}`);
  const { chips: perChip, onlyWhenFasterSource: _a, dtypePatternsSource: _b, layerKindsSource: _c, kind: _k, ...rest } = s;
  const minShape = rest.minShape as Obj | undefined;
  if (minShape && typeof minShape.source === 'string') shared.push(`smallest weight it converts: ${minShape.source}`);
  return Object.entries(rr.obj(perChip, 'sparse.chips')).map(([chipId, m]) => {
    const model = rr.obj(m, `sparse.chips.${chipId}`);
    const { kernel, kernelSource, ...numbers } = model;
    const extra = [...shared, ...(typeof kernelSource === 'string' ? [kernelSource] : [])];
    const sparsity: Obj = { ...rest, ...numbers, ...(kernel !== undefined ? { kernel: kernelOf(kernel, kernels, rr, `sparse.chips.${chipId}.kernel`) } : {}) };
    if (minShape) sparsity.minShape = { n: minShape.n, k: minShape.k };
    return make(chipId, kind, sparsity, extra);
  });
}

let cached: AcceleratorProfile[] | undefined;

/** Every built-in target, validated once. */
export function builtinTargets(): AcceleratorProfile[] {
  if (!cached) {
    const chips = chipsById();
    const kernels = tables();
    cached = RUNTIMES.flatMap((rt) => targetsOfRuntime(rt, chips, kernels));
    const ids = new Set<string>();
    for (const p of cached) {
      if (ids.has(p.id)) throw new Error(`built-in target ${p.id} is defined twice`);
      ids.add(p.id);
    }
  }
  return cached;
}

/**
 * The ids a selection names, in order, aliases resolved: `default` for DEFAULT_TARGETS, `all`
 * for every built-in target. An unknown name is a usage error listing what is known.
 */
export function selectTargets(selection: readonly string[] | undefined, known: readonly string[]): string[] {
  const out: string[] = [];
  const add = (id: string): void => {
    if (!out.includes(id)) out.push(id);
  };
  for (const raw of selection ?? ['default', THIS_MACHINE]) {
    const name = raw.trim();
    if (name === 'default') DEFAULT_TARGETS.forEach(add);
    else if (name === 'all') builtinTargets().forEach((p) => add(p.id));
    else if (name === THIS_MACHINE || known.includes(name)) add(name);
    else if (TARGET_ALIASES[name] && known.includes(TARGET_ALIASES[name])) add(TARGET_ALIASES[name]);
    else throw new UsageError(`target '${name}' is not known; known targets: default, all, ${THIS_MACHINE}, ${[...known].sort().join(', ')}`);
  }
  return out;
}
