// Every fast kernel against its reference twin on random inputs, float32 and float64, heads 1 and 4.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { fastKernels, fastTsKernels } from '../../src/kernels/fast.js';
import { applyMask } from '../../src/kernels/dropout-mask.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import type { ActivationSpec, FloatArray, Kernels } from '../../src/kernels/types.js';
import { assertClose, checkGemmCases, FLOAT_TYPES, type FloatCtor, randomArray, randomCsr, tolerance, uniform } from './fixtures.js';

interface Setup {
  T: FloatCtor;
  a: CsrMatrix;
  heads: number;
  f: number;
  label: string;
}

/** Square and rectangular matrices with empty rows, weighted and not, an empty matrix, heads 1 and 4. */
function setups(): Setup[] {
  const rnd = uniform(21);
  const out: Setup[] = [];
  for (const T of FLOAT_TYPES) {
    for (const [rows, cols, maxDeg] of [[13, 13, 5], [9, 31, 7], [40, 6, 3], [0, 5, 2], [7, 0, 2]]) {
      for (const weighted of [true, false]) {
        for (const [heads, f] of [[1, 1], [1, 7], [1, 33], [4, 4], [4, 20]]) {
          const a = randomCsr(T, rows, cols, maxDeg, weighted, rnd);
          out.push({ T, a, heads, f, label: `${T.name} ${rows}x${cols} ${weighted ? 'weighted' : 'unweighted'} heads=${heads} f=${f}` });
        }
      }
    }
  }
  return out;
}

/** Runs the same kernel call on fast and reference kernels, each writing into its own copy of `out0`. */
function compare(
  k: Kernels, s: Setup, out0: FloatArray, call: (ks: Kernels, out: FloatArray) => void, what: string, terms = 8,
): void {
  const got = out0.slice();
  const want = out0.slice();
  call(k, got);
  call(ref, want);
  const { atol, rtol } = tolerance(s.T, terms);
  assertClose(got, want, atol, rtol, `${what} ${s.label}`);
}

for (const k of [fastKernels, fastTsKernels]) {
  describe(`${k.name} kernels (gemm ${k === fastKernels ? 'as chosen at start-up' : 'in TypeScript'})`, () => {
    const rnd = uniform(22);
    const all = setups();
    const nnzOf = (a: CsrMatrix): number => a.indptr[a.rows];
    const garbage = (T: FloatCtor, n: number): FloatArray => randomArray(T, n, rnd).map((v) => v * 1e3);

    it('gemm matches the reference GEMM in every transposition', () => {
      checkGemmCases((g) => k.gemm(g), rnd);
    });

    it('spmm and spmmT match the reference, overwriting whatever out held', () => {
      for (const s of all) {
        const { T, a, f } = s;
        const x = randomArray(T, a.cols * f, rnd);
        const y = randomArray(T, a.rows * f, rnd);
        compare(k, s, garbage(T, a.rows * f), (ks, out) => ks.spmm(a, x, f, out), 'spmm');
        compare(k, s, garbage(T, a.cols * f), (ks, out) => ks.spmmT(a, y, f, out), 'spmmT');
      }
    });

    it('spmmBiasActivation matches the unfused reference composition for every activation', () => {
      const acts: ActivationSpec[] = [{ kind: 'relu' }, { kind: 'elu', alpha: 1 }, { kind: 'leakyRelu', slope: 0.2 }];
      for (const s of all) {
        const { T, a, f } = s;
        const x = randomArray(T, a.cols * f, rnd);
        const bias = randomArray(T, f, rnd);
        const act = acts[s.label.length % 3];
        compare(k, s, garbage(T, a.rows * f), (ks, out) => ks.spmmBiasActivation(a, x, f, bias, act, out), `spmmBiasActivation ${act.kind}`);
      }
    });

    it('gspmm and gspmmT match the reference per head and ignore a.values', () => {
      for (const s of all) {
        const { T, a, heads, f } = s;
        const w = randomArray(T, nnzOf(a) * heads, rnd);
        const x = randomArray(T, a.cols * f, rnd);
        const y = randomArray(T, a.rows * f, rnd);
        compare(k, s, garbage(T, a.rows * f), (ks, out) => ks.gspmm(a, w, heads, x, f, out), 'gspmm');
        compare(k, s, garbage(T, a.cols * f), (ks, out) => ks.gspmmT(a, w, heads, y, f, out), 'gspmmT');
      }
    });

    it('sddmmDot and sddmmAdd match the reference per head', () => {
      for (const s of all) {
        const { T, a, heads, f } = s;
        const y = randomArray(T, a.rows * f, rnd);
        const x = randomArray(T, a.cols * f, rnd);
        const u = randomArray(T, a.rows * heads, rnd);
        const v = randomArray(T, a.cols * heads, rnd);
        const e = nnzOf(a) * heads;
        compare(k, s, garbage(T, e), (ks, out) => ks.sddmmDot(a, y, x, heads, f, out), 'sddmmDot', f);
        compare(k, s, garbage(T, e), (ks, out) => ks.sddmmAdd(a, u, v, heads, out), 'sddmmAdd');
      }
    });

    it('edgeSoftmax and its backward match the reference, including large logits', () => {
      for (const s of all) {
        const { T, a, heads } = s;
        const e = randomArray(T, nnzOf(a) * heads, rnd).map((v) => v * 50);
        const g = randomArray(T, nnzOf(a) * heads, rnd);
        const alpha = new T(e.length);
        ref.edgeSoftmax(a, e, heads, alpha);
        compare(k, s, new T(e.length), (ks, out) => ks.edgeSoftmax(a, e, heads, out), 'edgeSoftmax');
        compare(k, s, new T(e.length), (ks, out) => ks.edgeSoftmaxBackward(a, alpha, g, heads, out), 'edgeSoftmaxBackward');
      }
    });

    it('fused gatAttention and its backward match the unfused reference composition', () => {
      for (const s of all) {
        const { T, a, heads } = s;
        const u = randomArray(T, a.rows * heads, rnd).map((x) => x * 20);
        const v = randomArray(T, a.cols * heads, rnd).map((x) => x * 20);
        const g = randomArray(T, nnzOf(a) * heads, rnd);
        const alpha = new T(nnzOf(a) * heads);
        ref.gatAttention(a, u, v, heads, 0.2, alpha);
        compare(k, s, garbage(T, alpha.length), (ks, out) => ks.gatAttention(a, u, v, heads, 0.2, out), 'gatAttention');
        // du and dv accumulate into what they held; the second half of `out` is dv
        const start = randomArray(T, (a.rows + a.cols) * heads, rnd);
        compare(k, s, start, (ks, out) => {
          ks.gatAttentionBackward(a, u, v, alpha, g, heads, 0.2, out.subarray(0, a.rows * heads), out.subarray(a.rows * heads));
        }, 'gatAttentionBackward');
      }
    });

    it('gatherRows and scatterAddRows match the reference for narrow and wide rows, with repeated indices', () => {
      for (const T of FLOAT_TYPES) {
        for (const f of [1, 3, 16, 70, 130]) {
          const s: Setup = { T, a: randomCsr(T, 0, 0, 0, false, rnd), heads: 1, f, label: `${T.name} f=${f}` };
          const n = 11;
          const idx = Int32Array.from({ length: 25 }, () => Math.floor(rnd() * n));
          const x = randomArray(T, n * f, rnd);
          const xr = randomArray(T, idx.length * f, rnd);
          compare(k, s, garbage(T, idx.length * f), (ks, out) => ks.gatherRows(x, f, idx, out), 'gatherRows');
          compare(k, s, randomArray(T, n * f, rnd), (ks, out) => ks.scatterAddRows(xr, f, idx, out), 'scatterAddRows');
        }
      }
    });

    it('activations and their gradients match the reference, with relu\'s gradient 0 at 0 and for NaN gradients where x <= 0', () => {
      const acts: ActivationSpec[] = [{ kind: 'relu' }, { kind: 'elu', alpha: 1.5 }, { kind: 'leakyRelu', slope: 0.2 }];
      for (const T of FLOAT_TYPES) {
        const n = 1001;
        const x = randomArray(T, n, rnd).map((v, i) => (i % 7 === 0 ? 0 : 4 * v));
        const g = randomArray(T, n, rnd);
        const s: Setup = { T, a: randomCsr(T, 0, 0, 0, false, rnd), heads: 1, f: 1, label: `${T.name} n=${n}` };
        for (const act of acts) {
          const y = new T(n);
          ref.activation(act, n, x, y);
          compare(k, s, garbage(T, n), (ks, out) => ks.activation(act, n, x, out), `activation ${act.kind}`, 1);
          compare(k, s, garbage(T, n), (ks, out) => ks.activationBackward(act, n, x, y, g, out), `activationBackward ${act.kind}`, 1);
          compare(k, s, garbage(T, n), (ks, out) => ks.activationBackward(act, n, x, y, g, out, 2.5), `activationBackward ${act.kind} x2.5`, 1);
          if (act.kind === 'relu') {
            const d = new T(n);
            k.activationBackward(act, n, x, y, g, d);
            assert.equal(d[0], 0, 'relu gradient at x = 0');
          }
        }
        // relu gives exactly +0 for -0 and NaN inputs, and its gradient is exactly 0 where x <= 0 even for NaN
        // gradients (PyTorch's semantics); the branch-free loops must keep that
        const special = T.of(-0, NaN, -1, 2, 0);
        const gs = T.of(1, 1, NaN, NaN, -3);
        const relu: ActivationSpec = { kind: 'relu' };
        const y = new T(5);
        k.activation(relu, 5, special, y);
        assert.deepEqual(Array.from(y), [0, 0, 0, 2, 0]);
        assert.ok(Object.is(y[0], 0), 'relu(-0) is +0');
        const d = new T(5);
        k.activationBackward(relu, 5, special, y, gs, d);
        assert.deepEqual(Array.from(d), [0, 0, 0, NaN, 0]);
      }
    });

    it('addRowVec, columnSums (over several row blocks) and applyMask match the reference', () => {
      for (const T of FLOAT_TYPES) {
        for (const [m, n] of [[5, 3], [2500, 7], [0, 4], [3000, 1], [2500, 37], [1100, 16]]) {
          const s: Setup = { T, a: randomCsr(T, 0, 0, 0, false, rnd), heads: 1, f: n, label: `${T.name} ${m}x${n}` };
          const x = randomArray(T, m * n, rnd);
          const v = randomArray(T, n, rnd);
          compare(k, s, garbage(T, m * n), (ks, out) => ks.addRowVec(m, n, x, v, out), 'addRowVec', 1);
          compare(k, s, garbage(T, n), (ks, out) => ks.columnSums(m, n, x, out), 'columnSums');
          const mask = Uint8Array.from({ length: m * n }, () => (rnd() < 0.5 ? 1 : 0));
          compare(k, s, garbage(T, m * n), (ks, out) => ks.applyMask(m * n, mask, 2.5, x, out), 'applyMask', 1);
        }
      }
    });

    it('applyMask gives x * scale or 0 per mask byte for every alignment of the mask and range ends', () => {
      const n = 1031;
      const x = randomArray(Float32Array, n, rnd);
      for (const offset of [0, 1, 2, 3]) {
        const mask = new Uint8Array(n + offset).subarray(offset);
        for (let i = 0; i < n; i++) mask[i] = rnd() < 0.5 ? 1 : 0;
        for (const [lo, hi] of [[0, n], [1, n - 1], [5, 6], [7, 7], [2, 13]]) {
          const out = new Float32Array(n).fill(-7);
          applyMask(x, out, mask, 3, lo, hi);
          for (let i = 0; i < n; i++) {
            const want = i >= lo && i < hi ? Math.fround(x[i] * (mask[i] ? 3 : 0)) : -7;
            assert.ok(Object.is(out[i], want), `offset ${offset}, range [${lo}, ${hi}), value ${i}: ${out[i]} vs ${want}`);
          }
        }
      }
    });

    it('dropout draws the same mask into an aligned mask (a word at a time for p = 1/2, 1/4, 3/4) as into an unaligned one', () => {
      const n = 3 * 65536 + 13;
      const seed = Int32Array.of(3, 1, 4, 1);
      for (const p of [0.5, 0.25, 0.75, 0.125, 0.6]) {
        const aligned = new Uint8Array(n);
        const unaligned = new Uint8Array(n + 1).subarray(1);
        k.dropout(n, p, 1 / (1 - p), seed, aligned);
        k.dropout(n, p, 1 / (1 - p), seed, unaligned);
        assert.deepEqual(aligned, unaligned, `p = ${p}`);
        const kept = aligned.reduce((sum, b) => sum + b, 0) / n;
        assert.ok(Math.abs(kept - (1 - p)) < 0.01, `p = ${p}: kept ${kept}`);
      }
    });

    it('gatherRows and scatterAddRows reject an index outside the rows', () => {
      const x = new Float32Array(6);
      assert.throws(() => k.gatherRows(x, 2, Int32Array.of(0, 3), new Float32Array(4)), /idx\[1\] = 3 is outside the 3 rows/);
      assert.throws(() => k.scatterAddRows(x, 2, Int32Array.of(-1), new Float32Array(6)), /idx\[0\] = -1 is outside/);
    });
  });
}
