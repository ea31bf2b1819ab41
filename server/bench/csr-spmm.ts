/** A weight matrix in compressed sparse rows. */
export interface Csr {
  rows: number;
  cols: number;
  rowPtr: Int32Array;
  colIdx: Int32Array;
  values: Float32Array;
}

/** CSR of a dense row-major matrix, skipping exact zeros. */
export function toCsr(w: Float32Array, rows: number, cols: number): Csr {
  let nnz = 0;
  for (let i = 0; i < w.length; i++) if (w[i] !== 0) nnz++;
  const rowPtr = new Int32Array(rows + 1);
  const colIdx = new Int32Array(nnz);
  const values = new Float32Array(nnz);
  let p = 0;
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = w[r * cols + c];
      if (v !== 0) {
        colIdx[p] = c;
        values[p++] = v;
      }
    }
    rowPtr[r + 1] = p;
  }
  return { rows, cols, rowPtr, colIdx, values };
}

/**
 * Y [rows, n] = W [rows, cols] (CSR) x X [cols, n]: each nonzero adds a scaled row of X, so the
 * inner loop runs over contiguous memory. The plain floor any sparse kernel should beat.
 */
export function csrSpmm(w: Csr, x: Float32Array, n: number, y: Float32Array): Float32Array {
  y.fill(0);
  for (let r = 0; r < w.rows; r++) {
    const out = r * n;
    for (let p = w.rowPtr[r]; p < w.rowPtr[r + 1]; p++) {
      const v = w.values[p];
      const from = w.colIdx[p] * n;
      for (let j = 0; j < n; j++) y[out + j] += v * x[from + j];
    }
  }
  return y;
}
