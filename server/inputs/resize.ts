/**
 * Image resampling for model inputs: a separable triangle filter whose support widens with the
 * downscale factor (bilinear when enlarging, area-like when shrinking, as PIL's BILINEAR does), so
 * a 4000-pixel photo brought to 224 does not alias. An image already at the target size comes
 * out bit for bit as it went in.
 */

export type ResizeMode = 'stretch' | 'crop' | 'pad';

/** RGBA (0-255) as floats, [height][width][4], and which output pixels the image covers (pad leaves borders). */
export interface Resampled {
  width: number;
  height: number;
  rgba: Float32Array;
  /** 1 where the image is, 0 in a pad border; absent when the image covers everything. */
  covered?: Uint8Array;
}

interface Taps {
  start: Int32Array;
  count: Int32Array;
  weights: Float32Array;
  /** Taps per output sample in `weights` (each output's run is padded to this). */
  stride: number;
}

/** Filter taps for `out` samples covering [x0, x0 + span) of a source of `len` samples. */
function taps(len: number, x0: number, span: number, out: number): Taps {
  const scale = span / out;
  const support = Math.max(1, scale);
  const stride = Math.ceil(2 * support) + 2;
  const t: Taps = { start: new Int32Array(out), count: new Int32Array(out), weights: new Float32Array(out * stride), stride };
  for (let o = 0; o < out; o++) {
    const center = x0 + (o + 0.5) * scale;
    const lo = Math.max(0, Math.floor(center - support));
    const hi = Math.min(len, Math.ceil(center + support));
    let sum = 0;
    let n = 0;
    for (let j = lo; j < hi && n < stride; j++, n++) {
      const w = Math.max(0, 1 - Math.abs((j + 0.5 - center) / support));
      t.weights[o * stride + n] = w;
      sum += w;
    }
    if (sum === 0) {
      // A sliver of the source thinner than a pixel: its nearest pixel.
      t.start[o] = Math.min(len - 1, Math.max(0, Math.floor(center)));
      t.count[o] = 1;
      t.weights[o * stride] = 1;
      continue;
    }
    for (let k = 0; k < n; k++) t.weights[o * stride + k] /= sum;
    t.start[o] = lo;
    t.count[o] = n;
  }
  return t;
}

/** The rectangle [x0, y0, w, h] of `src` resampled to `ow` x `oh`. */
function resampleRect(src: Uint8Array, sw: number, sh: number, rect: [number, number, number, number], ow: number, oh: number): Float32Array {
  const [x0, y0, rw, rh] = rect;
  const tx = taps(sw, x0, rw, ow);
  const ty = taps(sh, y0, rh, oh);
  let rowLo = sh;
  let rowHi = 0;
  for (let o = 0; o < oh; o++) {
    rowLo = Math.min(rowLo, ty.start[o]);
    rowHi = Math.max(rowHi, ty.start[o] + ty.count[o]);
  }
  // Horizontal pass over the rows the vertical taps read.
  const rows = rowHi - rowLo;
  const mid = new Float32Array(rows * ow * 4);
  for (let y = 0; y < rows; y++) {
    const srcRow = (rowLo + y) * sw * 4;
    for (let o = 0; o < ow; o++) {
      let r = 0, g = 0, b = 0, a = 0;
      const base = o * tx.stride;
      for (let k = 0; k < tx.count[o]; k++) {
        const w = tx.weights[base + k];
        const p = srcRow + (tx.start[o] + k) * 4;
        r += w * src[p];
        g += w * src[p + 1];
        b += w * src[p + 2];
        a += w * src[p + 3];
      }
      const q = (y * ow + o) * 4;
      mid[q] = r;
      mid[q + 1] = g;
      mid[q + 2] = b;
      mid[q + 3] = a;
    }
  }
  const out = new Float32Array(oh * ow * 4);
  for (let o = 0; o < oh; o++) {
    const base = o * ty.stride;
    for (let x = 0; x < ow * 4; x++) {
      let v = 0;
      for (let k = 0; k < ty.count[o]; k++) v += ty.weights[base + k] * mid[(ty.start[o] - rowLo + k) * ow * 4 + x];
      out[o * ow * 4 + x] = v;
    }
  }
  return out;
}

/** An RGBA image to `width` x `height` by `mode`. */
export function resizeImage(rgba: Uint8Array, w: number, h: number, width: number, height: number, mode: ResizeMode): Resampled {
  if (mode === 'stretch') return { width, height, rgba: resampleRect(rgba, w, h, [0, 0, w, h], width, height) };
  if (mode === 'crop') {
    const s = Math.max(width / w, height / h);
    const cw = width / s;
    const ch = height / s;
    return { width, height, rgba: resampleRect(rgba, w, h, [(w - cw) / 2, (h - ch) / 2, cw, ch], width, height) };
  }
  const s = Math.min(width / w, height / h);
  const iw = Math.max(1, Math.min(width, Math.round(w * s)));
  const ih = Math.max(1, Math.min(height, Math.round(h * s)));
  const inner = resampleRect(rgba, w, h, [0, 0, w, h], iw, ih);
  const left = Math.floor((width - iw) / 2);
  const top = Math.floor((height - ih) / 2);
  const out = new Float32Array(width * height * 4);
  const covered = new Uint8Array(width * height);
  for (let y = 0; y < ih; y++) {
    out.set(inner.subarray(y * iw * 4, (y + 1) * iw * 4), ((top + y) * width + left) * 4);
    covered.fill(1, (top + y) * width + left, (top + y) * width + left + iw);
  }
  return { width, height, rgba: out, covered };
}
