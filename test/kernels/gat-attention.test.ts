// The fused GAT attention kernels against the unfused reference composition on inputs that take each of their
// paths: the shifted one (no exp per entry), and the exact one for underflowing rows, slopes outside [0, 1],
// non-finite scores and matrices with few entries per column.

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CsrMatrix } from '../../src/graph/csr.js';
import { gatAttention, gatAttentionBackward } from '../../src/kernels/gat-attention.js';
import { referenceKernels as ref } from '../../src/kernels/reference.js';
import type { FloatArray } from '../../src/kernels/types.js';
import { assertClose, FLOAT_TYPES, type FloatCtor, randomArray, randomCsr, tolerance, uniform } from './fixtures.js';

interface Case {
  label: string;
  a: CsrMatrix;
  u: FloatArray;
  v: FloatArray;
  heads: number;
  slope: number;
}

/** Scores u, v in [-scale, scale); with `spread`, head 0 of every other source node is shifted down by it, so rows
 *  whose entries are all such sources sum to (nearly) nothing after the global shift. */
function scores(T: FloatCtor, n: number, heads: number, scale: number, spread: number, rnd: () => number): FloatArray {
  const x = randomArray(T, n * heads, rnd).map((s) => s * scale);
  for (let j = 0; j < n; j += 2) x[j * heads] -= spread;
  return x;
}

function cases(): Case[] {
  const rnd = uniform(5);
  const out: Case[] = [];
  for (const T of FLOAT_TYPES) {
    for (const heads of [1, 3]) {
      // square with ~6 entries per column: the shifted path; 4 x 40 with ~1: the exact path
      for (const [rows, cols, maxDeg] of [[40, 40, 12], [4, 40, 3]]) {
        for (const slope of [0.2, 0, 1, -0.3, 1.5]) {
          for (const [scale, spread] of [[20, 0], [3, 2000]]) {
            const a = randomCsr(T, rows, cols, maxDeg, false, rnd);
            const u = scores(T, rows, heads, scale, 0, rnd);
            const v = scores(T, cols, heads, scale, spread, rnd);
            out.push({ label: `${T.name} ${rows}x${cols} heads=${heads} slope=${slope} scale=${scale} spread=${spread}`, a, u, v, heads, slope });
          }
        }
      }
    }
  }
  return out;
}

/** Row 0 of the spread cases sees only the shifted-down sources (even columns) in head 0. */
function evenColumnsOnly(c: Case): Case {
  const indices = c.a.indices.slice();
  for (let k = c.a.indptr[0]; k < c.a.indptr[1]; k++) indices[k] -= indices[k] % 2;
  return { ...c, a: { ...c.a, indices } };
}

function checkForward(c: Case): FloatArray {
  const nnz = c.a.indptr[c.a.rows] * c.heads;
  const got = new (c.u.constructor as FloatCtor)(nnz).fill(123);
  const want = got.slice();
  gatAttention(c.a, c.u, c.v, c.heads, c.slope, got);
  ref.gatAttention(c.a, c.u, c.v, c.heads, c.slope, want);
  const { atol, rtol } = tolerance(c.u, 8);
  assertClose(got, want, atol, rtol, `gatAttention ${c.label}`);
  return want;
}

function checkBackward(c: Case, alpha: FloatArray, rnd: () => number): void {
  const T = c.u.constructor as FloatCtor;
  const g = randomArray(T, alpha.length, rnd);
  const { atol, rtol } = tolerance(c.u, 8);
  for (const [withDu, withDv] of [[true, true], [true, false], [false, true]]) {
    const du0 = randomArray(T, c.u.length, rnd);
    const dv0 = randomArray(T, c.v.length, rnd);
    const [du, dv, duRef, dvRef] = [du0.slice(), dv0.slice(), du0.slice(), dv0.slice()];
    gatAttentionBackward(c.a, c.u, c.v, alpha, g, c.heads, c.slope, withDu ? du : null, withDv ? dv : null);
    ref.gatAttentionBackward(c.a, c.u, c.v, alpha, g, c.heads, c.slope, withDu ? duRef : null, withDv ? dvRef : null);
    assertClose(du, duRef, atol, rtol, `gatAttentionBackward du ${c.label}`);
    assertClose(dv, dvRef, atol, rtol, `gatAttentionBackward dv ${c.label}`);
  }
}

describe('fused GAT attention', () => {
  it('matches the reference on every path, forward and backward, with du or dv left out', () => {
    const rnd = uniform(6);
    for (const c of cases()) {
      const alpha = checkForward(c);
      checkBackward(c, alpha, rnd);
      if (c.label.includes('spread=2000') && c.a.indptr[1] > 0) {
        const alone = evenColumnsOnly(c);
        checkForward(alone);
        checkBackward(alone, checkForward(alone), rnd);
      }
    }
  });

  it('matches the reference for NaN and infinite scores: NaN exactly where it has NaN', () => {
    const rnd = uniform(7);
    for (const T of FLOAT_TYPES) {
      const a = randomCsr(T, 30, 30, 10, false, rnd);
      const row = a.indptr.findIndex((p, i) => i < a.rows && a.indptr[i + 1] > p);
      const col = a.indices[a.indptr[row]];
      // -inf in v zeroes its own entries (a row of nothing else turns NaN); the other cases turn a row NaN
      for (const [where, bad] of [['v', NaN], ['v', Infinity], ['u', Infinity], ['u', -Infinity], ['v', -Infinity]] as const) {
        const u = randomArray(T, 30 * 2, rnd);
        const v = randomArray(T, 30 * 2, rnd);
        if (where === 'u') u[2 * row + 1] = bad;
        else v[2 * col + 1] = bad;
        const want = checkForward({ label: `${T.name} ${where} holds ${bad}`, a, u, v, heads: 2, slope: 0.2 });
        if (!(where === 'v' && bad === -Infinity)) assert.ok(want.some(Number.isNaN), `the reference has a NaN row for ${where} = ${bad}`);
      }
    }
  });
});
