// AssemblyScript: the hot loops of the weight pass as WebAssembly SIMD, built by
// scripts/build-wasm.mjs into server/analysis/weights/simd-module.generated.ts. JS decides what to run
// (server/analysis/weights/simd-kernels.ts); these functions only loop. Pointers are byte offsets into
// the module's memory, laid out by the JS side.
export { stats } from './stats';
export { stats16 } from './stats16';
export { decodeHalf, decodeBf16, dequant8 } from './decode';
export { keep4, keep8 } from './kept';
export { hkeep4, hkeep8 } from './kept16';
export { qrun, qcols, qscalar, qplan, qthresholds } from './qstats';
export { qkeep8, qkeep4 } from './qkept';
export { qslices, qflush, qkeepSlices, qkeepFlush } from './qslices';
export { magsums } from './magsums';
export { blocksAlongRows, blocksAlongColumns, rowsAlong, blockRuns, blocksChannelLast } from './runsums';
export { smallestSums32, smallestSums64 } from './select';
export { transposeBits, fieldsOver, orBands, nonzeroFields, popcount, zeroRows, zeroChannels } from './bits';
export { heatCounts, heatDensity } from './heat';
export { zero } from './zero';
export { vstats, vbelow, rowZeros, nmRows } from './values';
