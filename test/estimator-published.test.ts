import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { estimate } from '../server/estimate/estimate';
import { validateProfile, type AcceleratorProfile } from '../server/estimate/profile';
import { builtinProfiles } from '../server/estimate/profiles';
import type { Workload } from '../server/estimate/workload';
import { alexnetConvs, bert, gemm, gsc } from './published-workloads';

/**
 * The estimator against published measurements. "calibration" rows are the ones a profile's
 * numbers were fitted to (they check the fit holds); "held-out" rows were not used to fit anything.
 */
interface Row {
  what: string;
  profile: string;
  workload: Workload;
  published: number;
  source: string;
  role: 'calibration' | 'held-out';
  tolerance: number;
}

const profiles = new Map(builtinProfiles().map((p) => [p.id, p]));

/** AWS c5a.2xlarge with the same DeepSparse-class kernels: only the machine's compute and bandwidth differ. */
const cpu = profiles.get('cpu-sparse-ryzen-7950x')!;
profiles.set('c5a.2xlarge', validateProfile({
  ...cpu, id: 'c5a.2xlarge', name: 'DeepSparse-class kernels on AWS c5a.2xlarge',
  peakMacsPerSecond: { float32: { value: 2.11e11, source: 'derived: 4 Zen 2 cores (8 vCPU, AMD EPYC 7002 at up to 3.3 GHz, AWS) x 16 FP32 FMA lanes per cycle' } },
  memoryBandwidth: { value: 3e10, range: [2e10, 4e10], source: 'assumption: AWS does not publish per-instance memory bandwidth' },
}, 'c5a.2xlarge'));

const sparse24 = { nmReady: ['2:4'], weightDensity: 0.5 };
const bertBase = (batch: number): Workload => bert({ layers: 12, hidden: 768, batch, seq: 384, dtype: 'float16' }, sparse24);
const bertLarge = (density: number): Workload => bert({ layers: 24, hidden: 1024, batch: 1, seq: 384, dtype: 'float32' }, { weightDensity: density });
const PYTORCH = 'J. Cai, "Accelerating BERT with semi-structured (2:4) sparsity", PyTorch tutorial (2023), A100 80GB, FP16';
const MLPERF41 = 'MLPerf Inference v4.1 open, Neural Magic, BERT-Large SQuAD, AMD Ryzen 9 7950X, FP32, DeepSparse dense vs pruned';
const MLPERF40 = 'MLPerf Inference v4.0 open, CTuning, BERT-Large SQuAD, AWS c5a.2xlarge, FP32, DeepSparse dense vs pruned';

const rows: Row[] = [
  { what: '2:4 GEMM 3072x10240x3072', profile: 'a100-2:4', workload: gemm(3072, 10240, 3072, 'float16', sparse24), published: 1.382, source: `${PYTORCH}: dense 0.870 ms, 2:4 0.630 ms`, role: 'calibration', tolerance: 0.05 },
  { what: 'BERT-base seq 384 batch 16, 2:4 Linear layers', profile: 'a100-2:4', workload: bertBase(16), published: 1.23, source: `${PYTORCH}: 19.35 -> 15.74 ms`, role: 'held-out', tolerance: 0.25 },
  { what: 'BERT-base seq 384 batch 64, 2:4 Linear layers', profile: 'a100-2:4', workload: bertBase(64), published: 1.22, source: `${PYTORCH}: 72.71 -> 59.41 ms`, role: 'held-out', tolerance: 0.25 },
  { what: 'BERT-base seq 384 batch 256, 2:4 Linear layers', profile: 'a100-2:4', workload: bertBase(256), published: 1.14, source: `${PYTORCH}: 286.65 -> 247.63 ms`, role: 'held-out', tolerance: 0.25 },
  { what: 'BERT-Large 95% unstructured, Ryzen 9 7950X', profile: 'cpu-sparse-ryzen-7950x', workload: bertLarge(0.05), published: 38.499 / 11.974, source: `${MLPERF41}95: 11.97 -> 38.50 samples/s`, role: 'calibration', tolerance: 0.1 },
  { what: 'BERT-Large 97% unstructured, Ryzen 9 7950X', profile: 'cpu-sparse-ryzen-7950x', workload: bertLarge(0.03), published: 40.07 / 11.974, source: `${MLPERF41}97: 11.97 -> 40.07 samples/s`, role: 'calibration', tolerance: 0.1 },
  { what: 'BERT-Large 95% unstructured, c5a.2xlarge', profile: 'c5a.2xlarge', workload: bertLarge(0.05), published: 8.927 / 2.1, source: `${MLPERF40}95: 2.1 -> 8.93 QPS`, role: 'held-out', tolerance: 0.25 },
  { what: 'BERT-Large 97% unstructured, c5a.2xlarge', profile: 'c5a.2xlarge', workload: bertLarge(0.03), published: 9.821 / 2.1, source: `${MLPERF40}97: 2.1 -> 9.82 QPS`, role: 'held-out', tolerance: 0.25 },
  { what: 'SCNN vs dense twin, pruned AlexNet convs', profile: 'scnn', workload: alexnetConvs('float16', { weightDensity: 0.35, activationDensity: 0.45 }), published: 2.7, source: 'Parashar et al., "SCNN", ISCA 2017: 2.7x over a comparably provisioned dense accelerator (densities assumed, see the profile)', role: 'calibration', tolerance: 0.1 },
  { what: 'Numenta GSC sparse-sparse, FPGA (May 2021)', profile: 'numenta-fpga', workload: gsc('int8', { weightDensity: 0.05, activationDensity: 0.1 }), published: 100, source: 'Numenta whitepaper "Sparsity Enables 100x Performance Acceleration in Deep Learning Networks" (2021)', role: 'calibration', tolerance: 0.1 },
  { what: 'Numenta GSC sparse-sparse, FPGA (June 2021)', profile: 'numenta-fpga', workload: gsc('int8', { weightDensity: 0.05, activationDensity: 0.1 }), published: 112, source: 'L. Spracklen, "Can CPUs leverage sparsity?", Numenta blog 2021-06-14: "over 112X" on an FPGA', role: 'held-out', tolerance: 0.25 },
];

describe('the estimator against published measurements', () => {
  for (const r of rows) {
    it(`${r.what} (${r.role}): ${r.published.toFixed(2)}x within ${r.tolerance * 100}%`, () => {
      const p: AcceleratorProfile = profiles.get(r.profile)!;
      const e = estimate(r.workload, p, 'as-is');
      const error = e.speedup / r.published - 1;
      console.log(`    ${r.what}: estimated ${e.speedup.toFixed(2)}x [${e.speedupRange.map((x) => x.toFixed(2)).join(', ')}], published ${r.published.toFixed(2)}x, error ${(error * 100).toFixed(1)}% (${r.source})`);
      assert.ok(Math.abs(error) <= r.tolerance, `error ${(error * 100).toFixed(1)}% > ${r.tolerance * 100}%`);
    });
  }

  it('has at least six rows across 2:4 GPUs, sparse CPUs and a dual-sparse FPGA, held-out rows among each', () => {
    assert.ok(rows.length >= 6);
    for (const kind of ['n:m', 'unstructured-weights', 'dual'])
      assert.ok(rows.some((r) => profiles.get(r.profile)!.kind === kind && r.role === 'held-out'), kind);
  });
});
