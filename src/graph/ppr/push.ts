// Approximate personalised PageRank by the push method (Andersen-Chung-Lang, as in PPRGo), with per-source top-k.
//
// Convention (shared with power.ts and the fixture ../fixtures/ppr_cora_full.json): on a symmetric graph with one
// self-loop per node, P = D^-1 (A + I) with deg counting the loop, and the PPR of source s is the row vector
// p = alpha e_s + (1 - alpha) p P, i.e. p = alpha e_s (I - (1 - alpha) P)^-1 (sums to 1).
// The push keeps exact = p + r (I - (1 - alpha) P)^-1 and stops when every r[v] < alpha * eps * deg(v); on an
// undirected graph that bounds the error per node: 0 <= exact[v] - p[v] <= eps * deg(v).

import { addSelfLoops, symmetrize } from '../build.js';
import type { CsrGraph } from '../csr.js';
import { isSymmetric } from '../stats.js';
import { TopKSelector } from './topk.js';

export interface PprTopKOptions {
  /** teleport probability, in (0, 1) */
  readonly alpha: number;
  /** push threshold: residuals below alpha * eps * deg are left; > 0 */
  readonly eps: number;
  /** neighbours kept per source (the source itself is added when it is not among them); integer >= 1 */
  readonly topk: number;
}

/** Per-source neighbourhoods as a CSR: row i (sources[i]) holds nodes[indptr[i]..indptr[i+1]) with their
 *  scores, sorted by score descending (ties by node id ascending). A row has min(topk, touched) entries, plus
 *  one when the source was not among them (it then sits at its score's place). */
export interface PprTopK {
  readonly indptr: Int32Array;
  readonly nodes: Int32Array;
  readonly scores: Float32Array;
}

/** Graphs made by prepareForPpr: valid by construction (graphs are immutable), so checkPprGraph skips its O(E)
 *  pass over them. */
const prepared = new WeakSet<CsrGraph>();

/** The graph push PPR expects: symmetrised, exactly one self-loop per node, unweighted. */
export function prepareForPpr(g: CsrGraph): CsrGraph {
  const s = addSelfLoops(symmetrize({ rows: g.rows, cols: g.cols, indptr: g.indptr, indices: g.indices }));
  const p = { rows: s.rows, cols: s.cols, indptr: s.indptr, indices: s.indices };
  prepared.add(p);
  return p;
}

/** Throws unless alpha in (0, 1), eps > 0 and topk an integer >= 1; `what` names the caller. */
export function checkPprOptions(o: PprTopKOptions, what: string): void {
  if (typeof o !== 'object' || o === null) throw new Error(`${what}: options must be an object {alpha, eps, topk}`);
  if (!(typeof o.alpha === 'number' && o.alpha > 0 && o.alpha < 1)) {
    throw new Error(`${what}: alpha must be a number in (0, 1), got ${String(o.alpha)}`);
  }
  if (!(typeof o.eps === 'number' && o.eps > 0 && Number.isFinite(o.eps))) {
    throw new Error(`${what}: eps must be a finite number > 0, got ${String(o.eps)}`);
  }
  if (!(Number.isInteger(o.topk) && o.topk >= 1)) {
    throw new Error(`${what}: topk must be an integer >= 1, got ${String(o.topk)}`);
  }
}

/** Throws unless g is square, unweighted, symmetric and has a self-loop on every node (see prepareForPpr). */
export function checkPprGraph(g: CsrGraph, what: string): void {
  if (prepared.has(g)) return;
  if (g.rows !== g.cols) throw new Error(`${what}: graph must be square, got [${g.rows}, ${g.cols}]`);
  if (g.values) throw new Error(`${what}: graph has edge values, expected an unweighted graph (use prepareForPpr(g))`);
  for (let i = 0; i < g.rows; i++) {
    let loop = false;
    for (let k = g.indptr[i]; k < g.indptr[i + 1]; k++) if (g.indices[k] === i) { loop = true; break; }
    if (!loop) throw new Error(`${what}: node ${i} has no self-loop, expected one per node (use prepareForPpr(g))`);
  }
  if (!isSymmetric(g)) throw new Error(`${what}: graph is not symmetric, expected an undirected graph (use prepareForPpr(g))`);
}

/** Throws unless sources is non-empty and every id is in [0, n). */
export function checkSources(sources: Int32Array, n: number, what: string): void {
  if (!(sources instanceof Int32Array)) throw new Error(`${what}: sources must be an Int32Array`);
  if (sources.length === 0) throw new Error(`${what}: sources is empty, expected at least one source node`);
  for (let i = 0; i < sources.length; i++) {
    const s = sources[i];
    if (s < 0 || s >= n) throw new Error(`${what}: sources[${i}] = ${s} is out of range [0, ${n})`);
  }
}

/** Push PPR for one source at a time on dense reusable scratch (p, r of size N); resetting costs O(touched).
 *  After run(s), p[v] holds the estimate for each v in touched[0, touchedCount), and 0 elsewhere. */
export class PushPpr {
  readonly p: Float64Array;
  readonly touched: Int32Array;
  touchedCount = 0;
  private readonly r: Float64Array;
  private readonly seen: Uint8Array;
  private readonly queued: Uint8Array;
  private readonly stack: Int32Array;
  private readonly deg: Int32Array;

  constructor(private readonly indptr: Int32Array, private readonly indices: Int32Array) {
    const n = indptr.length - 1;
    this.p = new Float64Array(n);
    this.r = new Float64Array(n);
    this.seen = new Uint8Array(n);
    this.queued = new Uint8Array(n);
    this.stack = new Int32Array(n); // a node is on the stack at most once
    this.touched = new Int32Array(n);
    this.deg = new Int32Array(n);
    for (let i = 0; i < n; i++) this.deg[i] = indptr[i + 1] - indptr[i];
  }

  run(source: number, alpha: number, eps: number): void {
    const { p, r, seen, queued, stack, touched, deg, indptr, indices } = this;
    for (let t = 0; t < this.touchedCount; t++) {
      const v = touched[t];
      p[v] = 0;
      r[v] = 0;
      seen[v] = 0;
    }
    const keep = 1 - alpha;
    const thr = alpha * eps;
    let nt = 0;
    let top = 0;
    r[source] = alpha;
    seen[source] = 1;
    touched[nt++] = source;
    stack[top++] = source;
    queued[source] = 1;
    while (top > 0) {
      const u = stack[--top];
      queued[u] = 0;
      const res = r[u];
      p[u] += res;
      r[u] = 0;
      const end = indptr[u + 1];
      const share = (keep * res) / (end - indptr[u]);
      for (let k = indptr[u]; k < end; k++) {
        const v = indices[k];
        const rv = r[v] + share;
        r[v] = rv;
        if (seen[v] === 0) {
          seen[v] = 1;
          touched[nt++] = v;
        }
        if (queued[v] === 0 && rv >= thr * deg[v]) {
          queued[v] = 1;
          stack[top++] = v;
        }
      }
    }
    this.touchedCount = nt;
  }
}

/** Growable output rows for PprTopK. */
export class TopKRows {
  private nodes: Int32Array;
  private scores: Float32Array;
  private readonly indptr: Int32Array;
  private rows = 0;
  private cand = new Int32Array(0);

  constructor(numRows: number, perRow: number) {
    this.indptr = new Int32Array(numRows + 1);
    const guess = Math.min(numRows * perRow, 1 << 22);
    this.nodes = new Int32Array(Math.max(16, guess));
    this.scores = new Float32Array(this.nodes.length);
  }

  /** Appends the top-k of the finished push for `source` (plus the source when it is missing). */
  append(push: PushPpr, source: number, k: number, selector: TopKSelector): void {
    const { p, touched } = push;
    // candidates: the touched nodes with p > 0 (a node can be touched by residual only)
    let count = 0;
    const cand = this.candidates(push.touchedCount);
    for (let t = 0; t < push.touchedCount; t++) if (p[touched[t]] > 0) cand[count++] = touched[t];
    const top = selector.select(cand, count, p, k);
    let hasSource = false;
    for (let t = 0; t < top.length; t++) if (top[t] === source) { hasSource = true; break; }
    const len = top.length + (hasSource ? 0 : 1);
    const at = this.indptr[this.rows];
    this.reserve(at + len);
    let w = at;
    let srcPending = !hasSource;
    const ps = p[source];
    for (let t = 0; t < top.length; t++) {
      const v = top[t];
      if (srcPending && (ps > p[v] || (ps === p[v] && source < v))) {
        this.put(w++, source, ps);
        srcPending = false;
      }
      this.put(w++, v, p[v]);
    }
    if (srcPending) this.put(w++, source, ps);
    this.indptr[++this.rows] = w;
  }

  finish(): PprTopK {
    const total = this.indptr[this.rows];
    return { indptr: this.indptr, nodes: this.nodes.slice(0, total), scores: this.scores.slice(0, total) };
  }

  private candidates(n: number): Int32Array {
    if (this.cand.length < n) this.cand = new Int32Array(Math.max(n, 2 * this.cand.length));
    return this.cand;
  }

  private put(at: number, v: number, score: number): void {
    this.nodes[at] = v;
    this.scores[at] = score;
  }

  private reserve(n: number): void {
    if (n <= this.nodes.length) return;
    const size = Math.max(n, 2 * this.nodes.length);
    const nodes = new Int32Array(size);
    nodes.set(this.nodes);
    const scores = new Float32Array(size);
    scores.set(this.scores);
    this.nodes = nodes;
    this.scores = scores;
  }
}

/** Push top-k for sources[from, to) on raw CSR arrays, no validation (the worker's and pprTopKSync's core).
 *  Pass the same `push` (and `selector`) for every range of one graph to reuse their O(N) scratch. */
export function pushTopKRange(indptr: Int32Array, indices: Int32Array, sources: Int32Array, from: number, to: number,
  o: PprTopKOptions, push = new PushPpr(indptr, indices), selector = new TopKSelector(o.topk)): PprTopK {
  const rows = new TopKRows(to - from, o.topk + 1);
  for (let i = from; i < to; i++) {
    push.run(sources[i], o.alpha, o.eps);
    rows.append(push, sources[i], o.topk, selector);
  }
  return rows.finish();
}

/** Serial push PPR top-k on the calling thread. `graph` must be symmetric with self-loops (prepareForPpr). */
export function pprTopKSync(graph: CsrGraph, sources: Int32Array, opts: PprTopKOptions): PprTopK {
  checkPprOptions(opts, 'pprTopK');
  checkPprGraph(graph, 'pprTopK');
  checkSources(sources, graph.rows, 'pprTopK');
  return pushTopKRange(graph.indptr, graph.indices, sources, 0, sources.length, opts);
}
