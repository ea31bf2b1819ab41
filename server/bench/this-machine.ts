import type { Report } from '../../common/protocol';
import { bestSparseMs } from '../../common/report/figures';
import { validateProfile, type AcceleratorProfile } from '../estimate/profile';

/**
 * "This machine", from the run: dense CPU kernels whose rate is what the layers measured
 * (their MACs over their kernel time) and whose bandwidth is what the other ops measured.
 * Undefined when the model did not run or the run timed no layer.
 */
export function thisMachine(r: Report): AcceleratorProfile | undefined {
  if (!r.run?.ok || !r.ops) return undefined;
  const layers = r.layers.filter((l) => l.timeMs && l.macs);
  const ms = layers.reduce((s, l) => s + l.timeMs!, 0);
  const macs = layers.reduce((s, l) => s + l.macs!, 0);
  if (!ms || !macs) return undefined;
  const names = new Set(r.layers.map((l) => l.name));
  const others = r.ops.filter((o) => !names.has(o.name) && o.timeMs && o.bytes);
  const oms = others.reduce((s, o) => s + o.timeMs!, 0);
  const bytes = others.reduce((s, o) => s + o.bytes, 0);
  const src = `measured by onnx-sparsity on this machine (onnxruntime ${r.run.ortVersion}, ${r.run.ep})`;
  const curve = r.crossover ? crossoverCurve(r.crossover) : undefined;
  return validateProfile({
    id: 'this-machine',
    name: `This machine (${r.run.ep}, measured)`,
    kind: curve ? 'unstructured-weights' : 'none',
    ...(curve ? {
      sparsity: {
        curve: { value: curve, source: `measured by onnx-sparsity crossover (${r.crossover!.shape.join('x')}, fastest of an onnxruntime composite and a CSR SpMM, ${r.crossover!.createdAt.slice(0, 10)})` },
        indexOverhead: { value: 1, source: 'CSR: a 32-bit column index per 32-bit value' },
      },
    } : {}),
    peakMacsPerSecond: { float32: { value: macs / (ms / 1000), source: `${src}: layer MACs over their kernel time` } },
    memoryBandwidth: { value: oms && bytes ? bytes / (oms / 1000) : 1e10, source: oms && bytes ? `${src}: bytes of other ops over their kernel time` : 'no timed other ops: 10 GB/s assumed' },
    utilization: { value: 1, source: 'the measured rate already includes utilization' },
  }, 'this machine');
}

/**
 * This machine's sparse/dense time by weight density, from the crossover measurement: the fastest
 * sparse variant over dense at each level, made non-decreasing in density (a sparse kernel that
 * measured faster at a higher density would be used there too) and extended flat to density 0.
 */
export function crossoverCurve(c: NonNullable<Report['crossover']>): [number, number][] {
  const pts = c.levels
    .map((l) => [1 - l.sparsity, bestSparseMs(l) / l.denseMs] as [number, number])
    .sort((a, b) => a[0] - b[0]);
  for (let i = 1; i < pts.length; i++) pts[i][1] = Math.max(pts[i][1], pts[i - 1][1]);
  if (pts[0][0] > 0) pts.unshift([0, pts[0][1]]);
  if (pts[pts.length - 1][0] < 1) pts.push([1, Math.max(1, pts[pts.length - 1][1])]);
  return pts;
}
