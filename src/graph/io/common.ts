// Shared helpers of the loaders: file reading with clear errors, label checks, growable typed arrays, and the
// edge list -> dataset graph step.

import * as fs from 'node:fs';
import { fromEdgeList, removeSelfLoops, symmetrize } from '../build.js';
import type { CsrGraph } from '../csr.js';

/** Reads a whole (small or medium) file; the error names the file. */
export function readFileBytes(file: string): Uint8Array {
  try {
    return fs.readFileSync(file);
  } catch (e) {
    throw new Error(`${file}: cannot read (${(e as Error).message})`);
  }
}

/** numClasses = max + 1; throws on labels < -1, naming the file and the node. -1 means unlabelled. */
export function checkLabels(labels: Int32Array, numNodes: number, what: string, numClasses?: number): number {
  if (labels.length !== numNodes) {
    throw new Error(`${what}: labels has ${labels.length} entries, expected one per node (${numNodes})`);
  }
  let max = -1;
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (y < -1 || (numClasses !== undefined && y >= numClasses)) {
      throw new Error(`${what}: label of node ${i} is ${y}, expected -1 (unlabelled) or a class in [0, ${numClasses ?? 'numClasses'})`);
    }
    if (y > max) max = y;
  }
  if (max < 0) throw new Error(`${what}: no node has a label`);
  return numClasses ?? max + 1;
}

/** A dataset graph (see Dataset.graph) from edges src[e] -> dst[e]: repeated edges dropped, self-loops removed,
 *  then symmetrised when `undirected`. `what` names the source in errors. */
export function datasetGraph(numNodes: number, src: Int32Array, dst: Int32Array, what: string, undirected: boolean): CsrGraph {
  const g = removeSelfLoops(fromEdgeList({ numNodes, src, dst, dedupe: 'first', what }));
  return undirected ? symmetrize(g) : g;
}

/** A typed array built by push, e.g. new Growable(Int32Array). toArray returns the filled part, sharing the
 *  buffer when it is exactly full: use it once, after the last push. */
export class Growable<T extends Int32Array | Float32Array> {
  private data: T;
  private length = 0;
  constructor(private readonly ctor: new (n: number) => T) {
    this.data = new ctor(1024);
  }
  push(v: number): void {
    if (this.length === this.data.length) {
      const next = new this.ctor(this.data.length * 2);
      next.set(this.data);
      this.data = next;
    }
    this.data[this.length++] = v;
  }
  toArray(): T {
    return this.data.length === this.length ? this.data : (this.data.slice(0, this.length) as T);
  }
}

/** Strict integer parse of one CSV field; the error names file, line and column. */
export function parseIntField(s: string, file: string, line: number, col: number): number {
  const t = s.trim();
  if (!/^[+-]?\d+$/.test(t)) {
    // allow "3.0" style integers written by pandas float columns
    const v = Number(t);
    if (t.length > 0 && Number.isInteger(v)) return v;
    throw new Error(`${file}:${line}: column ${col + 1} is '${t}', expected an integer`);
  }
  return Number(t);
}

/** Strict float parse of one CSV field (NaN/Inf rejected). */
export function parseFloatField(s: string, file: string, line: number, col: number): number {
  const t = s.trim();
  const v = t.length === 0 ? NaN : Number(t);
  if (!Number.isFinite(v)) throw new Error(`${file}:${line}: column ${col + 1} is '${t}', expected a finite number`);
  return v;
}
