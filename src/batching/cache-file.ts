// The precomputed batch cache on disk (`fastgnn preprocess --out` / `train --batches`): one binary file holding
// every batch's arrays, written atomically, read back with validation. Features are not stored.
//
// Layout (little-endian): a 64-byte prefix [magic 'FASTGNNB', u32 version, u32 header bytes, u32 checksum,
// u32 0, f64 file bytes, zeros], the JSON header (see Header), zero-padded to a multiple of 64, then the data:
// every typed array at a 64-byte-aligned offset (relative to the data start), zero-padded. The checksum is
// FNV-1a over the 32-bit words of everything after the prefix.

import { closeSync, fstatSync, openSync } from 'node:fs';
import { endianness } from 'node:os';
import type { CsrGraph, CsrMatrix } from '../graph/csr.js';
import { isSortedSymmetric, validateCsr } from '../graph/csr.js';
import type { Dataset } from '../graph/dataset.js';
import { align, ALIGN, bytesOf, readFully, WordHash, writeAtomically, writeFully } from '../graph/io/file-io.js';
import type { AdjacencyKind } from '../nn/graph-context.js';
import { validateBatch, type Batch } from './batch.js';

export type CacheMeta = Record<string, string | number | boolean>;

export interface BatchCache {
  /** training batches */
  readonly batches: Batch[];
  /** inference batches (val/test outputs), when precomputed */
  readonly evalBatches?: Batch[];
  /** what built the cache: method, options, dataset name, and the graph's identity (see cacheMetaFor); must hold
   *  numNodes (integer) and fingerprint (string) */
  readonly meta: CacheMeta;
  readonly preprocessTimeS: number;
}

const MAGIC = 'FASTGNNB';
const VERSION = 1;
const PREFIX = 64;
const KINDS: readonly AdjacencyKind[] = ['gcn', 'mean', 'sum', 'loops'];
type DTypeTag = 'i32' | 'f32' | 'f64';
type Arr = Int32Array | Float32Array | Float64Array;
/** [dtype, byte offset from the data start, element count] */
type Ref = [DTypeTag, number, number];
interface MatRec { rows: number; cols: number; indptr: Ref; indices: Ref; values?: Ref; symmetric?: true }
interface BatchRec { nodes: Ref; graph: MatRec; adjacency: Partial<Record<AdjacencyKind, MatRec>>; outputIndex: Ref; lossWeights?: Ref }
interface Header { version: number; meta: CacheMeta; preprocessTimeS: number; batches: BatchRec[]; evalBatches: BatchRec[] | null }

function checkPlatform(): void {
  if (endianness() !== 'LE') throw new Error('batch cache: only little-endian platforms are supported');
}

/** Identity of a graph: node count, entry count and a hash of its structure (indptr and indices). */
export function graphFingerprint(g: CsrGraph): { numNodes: number; nnz: number; fingerprint: string } {
  const h = new WordHash();
  h.update(bytesOf(g.indptr));
  h.update(bytesOf(g.indices));
  return { numNodes: g.rows, nnz: g.indptr[g.rows], fingerprint: h.h.toString(16).padStart(8, '0') };
}

/** Meta for a cache built from `dataset`: its name and graph identity, plus `extra` (method, options, ...). */
export function cacheMetaFor(dataset: Dataset, extra: CacheMeta = {}): CacheMeta {
  return { ...extra, dataset: dataset.name, ...graphFingerprint(dataset.graph) };
}

/** Throws unless the cache's meta names the same graph as `dataset` (node count, entries, structure hash). */
export function checkCacheMatches(meta: CacheMeta, dataset: Dataset, file = 'batch cache'): void {
  const have = graphFingerprint(dataset.graph);
  if (meta.numNodes !== have.numNodes || meta.nnz !== have.nnz || meta.fingerprint !== have.fingerprint) {
    throw new Error(
      `${file}: built for dataset '${String(meta.dataset)}' (${String(meta.numNodes)} nodes, ${String(meta.nnz)} edges, fingerprint ` +
        `${String(meta.fingerprint)}) but the dataset '${dataset.name}' has ${have.numNodes} nodes, ${have.nnz} edges, fingerprint ` +
        `${have.fingerprint}; rebuild the cache with 'fastgnn preprocess' for this dataset`,
    );
  }
}

/** Writes `cache` to `file` atomically: a temporary file in the same folder, fsynced, then renamed over `file`,
 *  so an interrupted write leaves any previous file intact. */
export function saveBatchCache(file: string, cache: BatchCache): void {
  checkPlatform();
  const numNodes = cache.meta.numNodes;
  if (typeof numNodes !== 'number' || !Number.isInteger(numNodes) || numNodes < 0) {
    throw new Error(`saveBatchCache ${file}: meta.numNodes must be a non-negative integer, got ${String(numNodes)}`);
  }
  if (typeof cache.meta.fingerprint !== 'string') throw new Error(`saveBatchCache ${file}: meta.fingerprint must be a string (see cacheMetaFor)`);
  if (!Number.isFinite(cache.preprocessTimeS)) throw new Error(`saveBatchCache ${file}: preprocessTimeS must be a finite number, got ${cache.preprocessTimeS}`);
  const arrays: Arr[] = [];
  let offset = 0;
  const ref = (a: Arr): Ref => {
    const tag: DTypeTag = a instanceof Int32Array ? 'i32' : a instanceof Float32Array ? 'f32' : 'f64';
    const r: Ref = [tag, offset, a.length];
    arrays.push(a);
    offset = align(offset + a.byteLength);
    return r;
  };
  const mat = (m: CsrMatrix): MatRec => ({
    rows: m.rows, cols: m.cols, indptr: ref(m.indptr), indices: ref(m.indices), ...(m.values ? { values: ref(m.values) } : {}),
    ...(m.symmetric ? { symmetric: true as const } : {}),
  });
  const rec = (b: Batch, i: number, what: string): BatchRec => {
    validateBatch(b, numNodes, `saveBatchCache ${file}: ${what}[${i}]`);
    const adjacency: BatchRec['adjacency'] = {};
    for (const k of KINDS) { const m = b.adjacency?.[k]; if (m) adjacency[k] = mat(m); }
    return { nodes: ref(b.nodes), graph: mat(b.graph), adjacency, outputIndex: ref(b.outputIndex), ...(b.lossWeights ? { lossWeights: ref(b.lossWeights) } : {}) };
  };
  const header: Header = {
    version: VERSION,
    meta: cache.meta,
    preprocessTimeS: cache.preprocessTimeS,
    batches: cache.batches.map((b, i) => rec(b, i, 'batches')),
    evalBatches: cache.evalBatches ? cache.evalBatches.map((b, i) => rec(b, i, 'evalBatches')) : null,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headPad = new Uint8Array(align(json.length));
  headPad.set(json);
  const dataStart = PREFIX + headPad.length;
  const total = dataStart + offset;
  writeAtomically(file, (fd) => {
    // the data after a PREFIX-byte hole, then the prefix, which holds the checksum of that data
    const hash = new WordHash();
    let pos = PREFIX;
    const put = (piece: Uint8Array): void => { hash.update(piece); writeFully(fd, piece, pos); pos += piece.length; };
    put(headPad);
    let at = 0;
    for (const a of arrays) {
      put(bytesOf(a));
      put(new Uint8Array(align(at + a.byteLength) - at - a.byteLength));
      at = align(at + a.byteLength);
    }
    if (pos !== total) throw new Error(`saveBatchCache ${file}: wrote ${pos} bytes, expected ${total}`);
    const prefix = new Uint8Array(PREFIX);
    const view = new DataView(prefix.buffer);
    prefix.set(new TextEncoder().encode(MAGIC));
    view.setUint32(8, VERSION, true);
    view.setUint32(12, json.length, true);
    view.setUint32(16, hash.h, true);
    view.setFloat64(24, total, true);
    writeFully(fd, prefix, 0);
  });
}

/** Reads a cache written by saveBatchCache; throws an error naming `file` when it is truncated, corrupt
 *  (magic, version, checksum, offsets) or holds an inconsistent batch. */
export function loadBatchCache(file: string): BatchCache {
  checkPlatform();
  const fd = openSync(file, 'r');
  try {
    return readCache(fd, file);
  } finally {
    closeSync(fd);
  }
}

function readExact(fd: number, into: Uint8Array, at: number, file: string): void {
  readFully(fd, into, at, () => `${file}: truncated batch cache (ends before byte ${at + into.length})`);
}

function readCache(fd: number, file: string): BatchCache {
  const size = fstatSync(fd).size;
  if (size < PREFIX) throw new Error(`${file}: truncated batch cache (${size} bytes, shorter than the ${PREFIX}-byte prefix)`);
  const prefix = new Uint8Array(PREFIX);
  readExact(fd, prefix, 0, file);
  const view = new DataView(prefix.buffer);
  if (new TextDecoder().decode(prefix.subarray(0, 8)) !== MAGIC) throw new Error(`${file}: not a fastgnn batch cache (bad magic number)`);
  const version = view.getUint32(8, true);
  if (version !== VERSION) throw new Error(`${file}: batch cache version ${version}, expected ${VERSION}; rebuild it with 'fastgnn preprocess'`);
  const headerBytes = view.getUint32(12, true);
  const fileBytes = view.getFloat64(24, true);
  if (size < fileBytes) throw new Error(`${file}: truncated batch cache (${size} bytes, expected ${fileBytes})`);
  if (size !== fileBytes) throw new Error(`${file}: batch cache is ${size} bytes, expected ${fileBytes}; the file is corrupt`);
  const dataStart = PREFIX + align(headerBytes);
  if (dataStart > size) throw new Error(`${file}: header of ${headerBytes} bytes runs past the end of the file (${size} bytes)`);
  const headPad = new Uint8Array(dataStart - PREFIX);
  readExact(fd, headPad, PREFIX, file);
  const hash = new WordHash();
  hash.update(headPad);
  let header: Header;
  try {
    header = JSON.parse(new TextDecoder().decode(headPad.subarray(0, headerBytes))) as Header;
  } catch (e) {
    throw new Error(`${file}: batch cache header is not valid JSON (${(e as Error).message}); the file is corrupt`);
  }
  const reader = new ArrayReader(fd, file, dataStart, size);
  const arrays = reader.readAll(header, hash);
  if (hash.h !== view.getUint32(16, true)) throw new Error(`${file}: checksum mismatch; the batch cache is corrupt`);
  const numNodes = header.meta?.numNodes;
  if (typeof numNodes !== 'number') throw new Error(`${file}: header meta.numNodes is missing`);
  const build = (recs: BatchRec[], what: string): Batch[] => recs.map((r, i) => toBatch(r, arrays, numNodes, `${file}: ${what}[${i}]`));
  return {
    batches: build(header.batches, 'batches'),
    evalBatches: header.evalBatches ? build(header.evalBatches, 'evalBatches') : undefined,
    meta: header.meta,
    preprocessTimeS: header.preprocessTimeS,
  };
}

/** Reads every array a header refers to, in file order, hashing the data region as it goes. */
class ArrayReader {
  constructor(private readonly fd: number, private readonly file: string, private readonly dataStart: number, private readonly size: number) {}

  readAll(header: Header, hash: WordHash): Map<Ref, Arr> {
    const refs: Ref[] = [];
    const mat = (m: MatRec): void => { refs.push(m.indptr, m.indices); if (m.values) refs.push(m.values); };
    const visit = (b: BatchRec): void => {
      refs.push(b.nodes, b.outputIndex);
      if (b.lossWeights) refs.push(b.lossWeights);
      mat(b.graph);
      for (const k of KINDS) { const m = b.adjacency?.[k]; if (m) mat(m); }
    };
    if (!Array.isArray(header.batches)) throw new Error(`${this.file}: header has no batches list; the file is corrupt`);
    header.batches.forEach(visit);
    header.evalBatches?.forEach(visit);
    refs.sort((x, y) => x[1] - y[1] || x[2] - y[2]); // empty arrays share the offset of the next one
    const out = new Map<Ref, Arr>();
    let at = this.dataStart;
    for (const r of refs) {
      const a = this.check(r);
      const start = this.dataStart + r[1];
      if (start < at) throw new Error(`${this.file}: array at offset ${r[1]} overlaps the previous one; the file is corrupt`);
      this.skip(at, start, hash);
      const bytes = bytesOf(a);
      readExact(this.fd, bytes, start, this.file);
      hash.update(bytes);
      at = start + bytes.length;
      out.set(r, a);
    }
    this.skip(at, this.size, hash);
    return out;
  }

  /** A fresh array for a reference, after checking its type, alignment and extent. */
  private check(r: Ref): Arr {
    const bad = (why: string): Error => new Error(`${this.file}: array reference ${JSON.stringify(r)} ${why}; the file is corrupt`);
    if (!Array.isArray(r) || r.length !== 3) throw bad('is malformed');
    const [tag, off, len] = r;
    const ctor = tag === 'i32' ? Int32Array : tag === 'f32' ? Float32Array : tag === 'f64' ? Float64Array : undefined;
    if (!ctor) throw bad(`has dtype '${String(tag)}', expected i32, f32 or f64`);
    if (!Number.isInteger(off) || off < 0 || off % ALIGN !== 0 || !Number.isInteger(len) || len < 0) throw bad('has a bad offset or length');
    if (this.dataStart + off + len * ctor.BYTES_PER_ELEMENT > this.size) throw bad(`runs past the end of the file (${this.size} bytes)`);
    return new ctor(len);
  }

  /** Hashes the padding between `from` and `to` (less than one alignment unit). */
  private skip(from: number, to: number, hash: WordHash): void {
    if (to - from >= ALIGN) throw new Error(`${this.file}: ${to - from} unreferenced bytes at ${from}; the file is corrupt`);
    if (to === from) return;
    const gap = new Uint8Array(to - from);
    readExact(this.fd, gap, from, this.file);
    hash.update(gap);
  }
}

function toBatch(r: BatchRec, arrays: Map<Ref, Arr>, numNodes: number, what: string): Batch {
  const get = <T extends Arr>(ref: Ref, ctor: new (n: number) => T, field: string): T => {
    const a = arrays.get(ref);
    if (!(a instanceof ctor)) throw new Error(`${what}: ${field} has dtype ${ref[0]}, expected ${ctor.name}`);
    return a;
  };
  const values = (ref: Ref | undefined, field: string): Float32Array | Float64Array | undefined => {
    if (!ref) return undefined;
    const a = arrays.get(ref);
    if (!(a instanceof Float32Array || a instanceof Float64Array)) throw new Error(`${what}: ${field} must be float32 or float64`);
    return a;
  };
  const mat = (m: MatRec, field: string): CsrMatrix => {
    const out: CsrMatrix = {
      rows: m.rows, cols: m.cols, indptr: get(m.indptr, Int32Array, `${field}.indptr`), indices: get(m.indices, Int32Array, `${field}.indices`),
      ...(m.values ? { values: values(m.values, `${field}.values`) } : {}),
    };
    validateCsr(out, `${what}: ${field}`);
    if (m.symmetric === undefined) return out;
    // the flag skips the transpose in backward passes: a wrong one would give wrong gradients, so it is checked
    if (m.symmetric !== true || !isSortedSymmetric(out)) throw new Error(`${what}: ${field} is marked symmetric but is not; the file is corrupt`);
    return { ...out, symmetric: true };
  };
  const nodes = get(r.nodes, Int32Array, 'nodes');
  const adjacency: Partial<Record<AdjacencyKind, CsrMatrix>> = {};
  for (const k of KINDS) {
    const m = r.adjacency?.[k];
    if (!m) continue;
    adjacency[k] = mat(m, `adjacency.${k}`);
    if (m.rows !== nodes.length || m.cols !== nodes.length) throw new Error(`${what}: adjacency.${k} is [${m.rows}, ${m.cols}], expected [${nodes.length}, ${nodes.length}]`);
  }
  const lw = r.lossWeights ? get(r.lossWeights, Float32Array, 'lossWeights') : undefined;
  const b: Batch = {
    nodes, graph: mat(r.graph, 'graph'), outputIndex: get(r.outputIndex, Int32Array, 'outputIndex'),
    ...(Object.keys(adjacency).length > 0 ? { adjacency } : {}), ...(lw ? { lossWeights: lw } : {}),
  };
  validateBatch(b, numNodes, what);
  return b;
}
