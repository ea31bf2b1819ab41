import type { Report } from '../protocol';
import { csvField } from './format';

/** One row per layer, every pattern metric a column: for spreadsheets and scripts. */
export function toCsv(r: Report): string {
  const nm = r.options.nm;
  const blocks = r.options.blocks;
  const header = [
    'layer', 'op', 'graph', 'weight', 'rows', 'k', 'groups', 'params', 'zeros', 'near_zeros', 'sparsity',
    ...nm.flatMap((k) => [`nm_${k}_group_share`, `nm_${k}_ready`, `nm_${k}_l1_kept`, `nm_${k}_l2_kept`]),
    ...blocks.map((b) => `block_${b}_zero_share`),
    'zero_rows', 'zero_input_channels', 'input_channels', 'zero_cols',
    'input_density', 'output_density', 'macs', 'bytes', 'time_ms',
  ];
  const lines = [header.join(',')];
  for (const l of r.layers) {
    const row = [
      l.name, l.opType, l.graph, l.weight, l.gemm?.rows, l.gemm?.k, l.gemm?.groups, l.params, l.zeros, l.nearZeros, l.sparsity,
      ...nm.flatMap((k) => {
        const x = l.nm[k];
        return x ? [x.groupShare, x.ready, x.l1Kept, x.l2Kept] : [null, null, null, null];
      }),
      ...blocks.map((b) => l.blocks[b] ?? null),
      l.gemm ? l.zeroRows : null, l.gemm ? l.zeroInputChannels : null, l.gemm ? l.inputChannels : null, l.gemm ? l.zeroCols : null,
      l.activation?.inputDensity, l.activation?.outputDensity, l.macs, l.bytes, l.timeMs,
    ];
    lines.push(row.map(csvField).join(','));
  }
  return lines.join('\n') + '\n';
}
