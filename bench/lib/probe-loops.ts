// The bandwidth probe's loops, shared by its main thread and its workers: the STREAM triad and a native copy.

/** a[i] = b[i] + s * c[i] for i in [lo, hi), unrolled by four as the fast kernels' inner loops are (V8 does not
 *  unroll; the plain loop measured ~30% slower). */
export function triad(a: Float32Array, b: Float32Array, c: Float32Array, s: number, lo: number, hi: number): void {
  let i = lo;
  for (; i + 3 < hi; i += 4) {
    a[i] = b[i] + s * c[i];
    a[i + 1] = b[i + 1] + s * c[i + 1];
    a[i + 2] = b[i + 2] + s * c[i + 2];
    a[i + 3] = b[i + 3] + s * c[i + 3];
  }
  for (; i < hi; i++) a[i] = b[i] + s * c[i];
}

/** a[lo, hi) = b[lo, hi) with TypedArray.set (a memcpy: what the memory system delivers without JS arithmetic). */
export function copy(a: Float32Array, b: Float32Array, lo: number, hi: number): void {
  a.set(b.subarray(lo, hi), lo);
}

export type ProbeOp = 'triad' | 'copy';

export function runProbe(op: ProbeOp, a: Float32Array, b: Float32Array, c: Float32Array, lo: number, hi: number): void {
  if (op === 'triad') triad(a, b, c, 3, lo, hi);
  else copy(a, b, lo, hi);
}
