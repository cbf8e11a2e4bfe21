// fastgnn's own binary dataset format (.fgnn): header + JSON + 64-byte-aligned little-endian typed arrays,
// written atomically and loaded with bulk reads into one buffer and zero-copy typed-array views.
//
// Layout: bytes 0..15 = 'FGNNDATA' magic, u32 version, u32 JSON length; then the UTF-8 JSON header, padded to
// a multiple of 64; then every array at the 64-aligned offset the header gives. The header records each array's
// dtype, offset, length and an FNV-1a-style 32-bit checksum (checked only with {verify: true}); the file length
// is always checked, so a truncated file is reported, never read as garbage.

import * as fs from 'node:fs';
import type { CsrMatrix } from '../csr.js';
import type { Dataset, FeatureMatrix, Split } from '../dataset.js';
import { checkMemory, memoryLimitOf, type MemoryPart } from '../memory-estimate.js';
import { align, ALIGN, bytesOf, readFully, wordChecksum, writeAtomically, writeFully } from './file-io.js';

const MAGIC = 'FGNNDATA';
const VERSION = 1;

type Typed = Int32Array | Float32Array | Float64Array;
type DType = 'i32' | 'f32' | 'f64';

interface ArrayEntry {
  readonly name: string;
  readonly dtype: DType;
  readonly offset: number;
  readonly length: number;
  readonly checksum: number;
}

interface Header {
  readonly name: string;
  readonly numClasses: number;
  readonly source?: string;
  readonly nodes: number;
  readonly features: { readonly kind: 'dense' | 'csr'; readonly rows: number; readonly cols: number };
  readonly hasSplit: boolean;
  readonly totalBytes: number;
  readonly arrays: ArrayEntry[];
}

function dtypeOf(a: Typed): DType {
  return a instanceof Int32Array ? 'i32' : a instanceof Float64Array ? 'f64' : 'f32';
}

function collect(d: Dataset): Array<[string, Typed]> {
  const out: Array<[string, Typed]> = [
    ['graph.indptr', d.graph.indptr],
    ['graph.indices', d.graph.indices],
  ];
  if (d.graph.values) out.push(['graph.values', d.graph.values]);
  const f = d.features;
  if (f.kind === 'dense') out.push(['features.data', f.data]);
  else {
    out.push(['features.indptr', f.indptr], ['features.indices', f.indices]);
    if (f.values) out.push(['features.values', f.values]);
  }
  out.push(['labels', d.labels]);
  if (d.split) out.push(['split.train', d.split.train], ['split.val', d.split.val], ['split.test', d.split.test]);
  return out;
}

/** Writes `d` to `file` through a temporary file in the same directory and a rename (atomic on POSIX). */
export function saveBinary(d: Dataset, file: string): void {
  const arrays = collect(d);
  // offsets depend on the header length, which depends on the offsets' digits: iterate to a fixed point
  let headerBytes = new Uint8Array(0);
  let entries: ArrayEntry[] = [];
  let total = 0;
  const sums = arrays.map(([, a]) => wordChecksum(a));
  for (let iter = 0, dataStart = ALIGN; iter < 8; iter++) {
    let off = dataStart;
    entries = arrays.map(([name, a], k) => {
      const e = { name, dtype: dtypeOf(a), offset: off, length: a.length, checksum: sums[k] };
      off = align(off + a.byteLength);
      return e;
    });
    total = off;
    const header: Header = {
      name: d.name, numClasses: d.numClasses, source: d.source, nodes: d.graph.rows,
      features: { kind: d.features.kind, rows: d.features.rows, cols: d.features.cols },
      hasSplit: d.split !== undefined, totalBytes: total, arrays: entries,
    };
    headerBytes = new TextEncoder().encode(JSON.stringify(header));
    const need = align(16 + headerBytes.length);
    if (need === dataStart) break;
    dataStart = need;
  }
  writeAtomically(file, (fd) => {
    const head = Buffer.alloc(align(16 + headerBytes.length));
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(VERSION, 8);
    head.writeUInt32LE(headerBytes.length, 12);
    head.set(headerBytes, 16);
    writeFully(fd, head, 0);
    arrays.forEach(([, a], k) => writeFully(fd, bytesOf(a), entries[k].offset));
    fs.ftruncateSync(fd, total); // zero padding after the last array, up to totalBytes
  }, (e) => new Error(`${file}: cannot write .fgnn (${e.message})`));
}

function readInto(fd: number, target: Uint8Array, position: number, file: string): void {
  readFully(fd, target, position, (missing) => `${file}: truncated .fgnn file (ended ${missing} bytes early)`);
}

export interface LoadBinaryOptions {
  /** recompute every array's checksum (costs one pass over the data) */
  readonly verify?: boolean;
  /** memory budget in bytes the arrays' total size is checked against before they are read; default: the machine's
   *  memory (see memory-estimate.ts) */
  readonly memoryLimit?: number;
}

type TypedCtor = Int32ArrayConstructor | Float32ArrayConstructor | Float64ArrayConstructor;

/** A header entry checked against the file: known dtype, aligned, inside the file. */
interface CheckedEntry extends ArrayEntry {
  readonly ctor: TypedCtor;
  readonly nbytes: number;
}

function checkEntries(h: Header, size: number, file: string): CheckedEntry[] {
  if (!Array.isArray(h.arrays)) throw new Error(`${file}: corrupt .fgnn header (no array list)`);
  return h.arrays.map((e) => {
    const ctor = e.dtype === 'i32' ? Int32Array : e.dtype === 'f64' ? Float64Array : e.dtype === 'f32' ? Float32Array : undefined;
    if (!ctor) throw new Error(`${file}: array '${e.name}' has unknown dtype '${e.dtype}'`);
    const nbytes = e.length * ctor.BYTES_PER_ELEMENT;
    if (!Number.isInteger(e.length) || e.length < 0 || e.offset % ALIGN !== 0 || e.offset + nbytes > size) {
      throw new Error(`${file}: array '${e.name}' lies outside the file`);
    }
    return { ...e, ctor, nbytes };
  });
}

/** What loading needs (the arrays are read into memory as they are), by part. */
function loadEstimate(entries: readonly CheckedEntry[]): MemoryPart[] {
  const parts = new Map<string, number>([['features', 0], ['graph', 0], ['labels and split', 0]]);
  for (const e of entries) {
    const label = e.name.startsWith('features.') ? 'features' : e.name.startsWith('graph.') ? 'graph' : 'labels and split';
    parts.set(label, parts.get(label)! + e.nbytes);
  }
  return [...parts].map(([label, bytes]) => ({ label, bytes }));
}

/** Loads a .fgnn file. The arrays are views into one ArrayBuffer (one read per GiB); above the largest
 *  buffer this runtime allows, each array gets its own buffer. */
export function loadBinary(file: string, opts: LoadBinaryOptions = {}): Dataset {
  let fd: number;
  try {
    fd = fs.openSync(file, 'r');
  } catch (e) {
    throw new Error(`${file}: cannot open (${(e as Error).message})`);
  }
  try {
    const size = fs.fstatSync(fd).size;
    const head = new Uint8Array(16);
    if (size < 16) throw new Error(`${file}: truncated .fgnn file (${size} bytes, the fixed header alone is 16)`);
    readInto(fd, head, 0, file);
    if (new TextDecoder('latin1').decode(head.subarray(0, 8)) !== MAGIC) throw new Error(`${file}: not a .fgnn file (bad magic)`);
    const dv = new DataView(head.buffer);
    const version = dv.getUint32(8, true);
    if (version !== VERSION) throw new Error(`${file}: .fgnn version ${version} is not supported (expected ${VERSION})`);
    const hlen = dv.getUint32(12, true);
    if (16 + hlen > size) throw new Error(`${file}: truncated .fgnn file (header needs ${16 + hlen} bytes, file has ${size})`);
    const hbytes = new Uint8Array(hlen);
    readInto(fd, hbytes, 16, file);
    let header: Header;
    try {
      header = JSON.parse(new TextDecoder().decode(hbytes)) as Header;
    } catch {
      throw new Error(`${file}: corrupt .fgnn header (not JSON)`);
    }
    if (header.totalBytes !== size) {
      throw new Error(`${file}: ${size < header.totalBytes ? 'truncated' : 'oversized'} .fgnn file: ${size} bytes, header says totalBytes = ${header.totalBytes}`);
    }
    const entries = checkEntries(header, size, file);
    checkMemory(`${file}: loading`, loadEstimate(entries), memoryLimitOf(opts.memoryLimit, file));
    let whole: ArrayBuffer | undefined;
    try {
      whole = new ArrayBuffer(size);
    } catch {
      whole = undefined; // too large for one buffer: read each array separately below
    }
    if (whole) readInto(fd, new Uint8Array(whole), 0, file);
    const arrays = new Map<string, Typed>();
    for (const e of entries) {
      const { ctor, nbytes } = e;
      let a: Typed;
      if (whole) a = new ctor(whole, e.offset, e.length);
      else {
        const buf = new ArrayBuffer(nbytes);
        readInto(fd, new Uint8Array(buf), e.offset, file);
        a = new ctor(buf);
      }
      if (opts.verify && wordChecksum(a) !== e.checksum) throw new Error(`${file}: checksum mismatch in array '${e.name}' (file corrupt)`);
      arrays.set(e.name, a);
    }
    return assemble(header, arrays, file);
  } finally {
    fs.closeSync(fd);
  }
}

function assemble(h: Header, arrays: Map<string, Typed>, file: string): Dataset {
  const get = <T extends Typed>(name: string, ctor: { new (n: number): T }): T => {
    const a = arrays.get(name);
    if (!a || !(a instanceof ctor)) throw new Error(`${file}: missing or mistyped array '${name}'`);
    return a as T;
  };
  const opt = (name: string): Float32Array | Float64Array | undefined => {
    const a = arrays.get(name);
    if (a && !(a instanceof Float32Array || a instanceof Float64Array)) throw new Error(`${file}: array '${name}' must be float`);
    return a as Float32Array | Float64Array | undefined;
  };
  const n = h.nodes;
  const graph: CsrMatrix = { rows: n, cols: n, indptr: get('graph.indptr', Int32Array), indices: get('graph.indices', Int32Array), values: opt('graph.values') };
  if (graph.indptr.length !== n + 1 || graph.indptr[n] !== graph.indices.length) throw new Error(`${file}: graph arrays are inconsistent with ${n} nodes`);
  const fm = h.features;
  let features: FeatureMatrix;
  if (fm.kind === 'dense') {
    const data = get('features.data', Float32Array);
    if (data.length !== fm.rows * fm.cols) throw new Error(`${file}: features.data has ${data.length} values, expected ${fm.rows} x ${fm.cols}`);
    features = { kind: 'dense', rows: fm.rows, cols: fm.cols, data };
  } else {
    features = { kind: 'csr', rows: fm.rows, cols: fm.cols, indptr: get('features.indptr', Int32Array), indices: get('features.indices', Int32Array), values: opt('features.values') };
  }
  const labels = get('labels', Int32Array);
  if (labels.length !== n) throw new Error(`${file}: labels has ${labels.length} entries, expected ${n}`);
  const split: Split | undefined = h.hasSplit
    ? { train: get('split.train', Int32Array), val: get('split.val', Int32Array), test: get('split.test', Int32Array) }
    : undefined;
  return { name: h.name, graph, features, labels, numClasses: h.numClasses, split, source: h.source ?? file };
}
