/** Seeded randomness for built models, so the demo and the benchmark give the same figures every run. */

/** mulberry32: a 32-bit state PRNG, uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Normal(0, std) values (Box-Muller), never exactly zero. */
export function gaussian(n: number, std: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i += 2) {
    const u = 1 - rand();
    const v = rand();
    const r = Math.sqrt(-2 * Math.log(u)) * std;
    out[i] = r * Math.cos(2 * Math.PI * v) || std * 1e-3;
    if (i + 1 < n) out[i + 1] = r * Math.sin(2 * Math.PI * v) || std * 1e-3;
  }
  return out;
}
