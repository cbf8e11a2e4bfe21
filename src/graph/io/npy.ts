// NumPy .npy reader (format v1/v2/v3, C order, numeric and bytes dtypes) and a v1 writer for fixtures.

export type NpyData =
  | Float32Array
  | Float64Array
  | Int8Array
  | Int16Array
  | Int32Array
  | BigInt64Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | BigUint64Array;

export interface NpyArray {
  /** numpy descr, e.g. '<f4', '|b1', '|S3' */
  readonly dtype: string;
  readonly shape: readonly number[];
  /** '|b1' comes back as Uint8Array; '|S<n>' as raw bytes (see npyStrings) */
  readonly data: NpyData;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

type Ctor = { new (buf: ArrayBuffer): NpyData; BYTES_PER_ELEMENT: number };
const CTORS: Record<string, Ctor> = {
  f4: Float32Array, f8: Float64Array, i1: Int8Array, i2: Int16Array, i4: Int32Array, i8: BigInt64Array,
  u1: Uint8Array, u2: Uint16Array, u4: Uint32Array, u8: BigUint64Array, b1: Uint8Array,
};

/** Parses one .npy file's bytes. `file` names it in errors. */
export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error(`${file}: not a .npy file (missing the \\x93NUMPY magic)`);
  }
  const major = bytes[6];
  let headerLen: number;
  let start: number;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (major === 1) {
    headerLen = dv.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new Error(`${file}: truncated .npy header`);
    headerLen = dv.getUint32(8, true);
    start = 12;
  } else {
    throw new Error(`${file}: unsupported .npy format version ${major}.${bytes[7]} (expected 1, 2 or 3)`);
  }
  if (start + headerLen > bytes.length) {
    throw new Error(`${file}: truncated .npy header (needs ${start + headerLen} bytes, file has ${bytes.length})`);
  }
  const header = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + headerLen));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    if (/'descr'\s*:\s*\[/.test(header)) throw new Error(`${file}: structured dtypes are not supported (header ${header.trim()})`);
    throw new Error(`${file}: malformed .npy header: ${header.trim()}`);
  }
  if (fortran === 'True') throw new Error(`${file}: Fortran-order arrays are not supported; save with C order (np.ascontiguousarray)`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0).map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new Error(`${file}: bad shape (${shapeText})`);
  const count = shape.reduce((a, b) => a * b, 1);
  const kind = descr.slice(1);
  const dataStart = start + headerLen;
  if (kind === 'O') throw new Error(`${file}: object arrays (dtype 'O') are not supported (they would need pickle)`);
  if (kind[0] === 'S') {
    const itemsize = Number(kind.slice(1));
    const nbytes = count * itemsize;
    if (dataStart + nbytes > bytes.length) throw truncated(file, nbytes, bytes.length - dataStart);
    return { dtype: descr, shape, data: bytes.slice(dataStart, dataStart + nbytes) };
  }
  return { dtype: descr, shape, data: typedFromBytes(bytes.subarray(dataStart), descr, count, file) };
}

/** Copies `count` elements of numpy type `descr` (e.g. '<f4', '|b1', '>i8') from the start of `bytes` into a
 *  fresh aligned typed array, byte-swapping big-endian data. */
export function typedFromBytes(bytes: Uint8Array, descr: string, count: number, file: string): NpyData {
  const order = descr[0];
  const kind = descr.slice(1);
  const ctor = CTORS[kind];
  if (!ctor || !['<', '>', '|', '='].includes(order)) {
    throw new Error(`${file}: unsupported dtype '${descr}' (supported: f4 f8 i1 i2 i4 i8 u1 u2 u4 u8 b1, S<n>)`);
  }
  const size = ctor.BYTES_PER_ELEMENT;
  const nbytes = count * size;
  if (nbytes > bytes.length) throw truncated(file, nbytes, bytes.length);
  const buf = new ArrayBuffer(nbytes);
  const out = new Uint8Array(buf);
  out.set(bytes.subarray(0, nbytes));
  if (order === '>' && size > 1) {
    for (let i = 0; i < nbytes; i += size) out.subarray(i, i + size).reverse();
  }
  return new ctor(buf);
}

function truncated(file: string, expected: number, got: number): Error {
  return new Error(`${file}: truncated .npy data (expected ${expected} bytes of array data, found ${got})`);
}

/** Decodes a '|S<n>' array into strings (trailing NULs stripped). */
export function npyStrings(a: NpyArray, file: string): string[] {
  if (a.dtype[1] !== 'S') throw new Error(`${file}: expected a bytes array (|S<n>), got dtype ${a.dtype}`);
  const itemsize = Number(a.dtype.slice(2));
  const bytes = a.data as Uint8Array;
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += itemsize) {
    let e = i + itemsize;
    while (e > i && bytes[e - 1] === 0) e--;
    out.push(new TextDecoder('latin1').decode(bytes.subarray(i, e)));
  }
  return out;
}

const DESCR: Array<[Function, string]> = [
  [Float32Array, '<f4'], [Float64Array, '<f8'], [Int8Array, '|i1'], [Int16Array, '<i2'], [Int32Array, '<i4'],
  [BigInt64Array, '<i8'], [Uint8Array, '|u1'], [Uint16Array, '<u2'], [Uint32Array, '<u4'], [BigUint64Array, '<u8'],
];

/** Writes a C-order little-endian .npy (format 1.0). dtype defaults from the array type; pass '|b1' for bools. */
export function writeNpy(data: NpyData, shape: readonly number[], dtype?: string): Uint8Array {
  const descr = dtype ?? DESCR.find(([c]) => data instanceof (c as never))?.[1];
  if (!descr) throw new Error('writeNpy: unsupported array type');
  const count = shape.reduce((a, b) => a * b, 1);
  const itemsPerElement = descr[1] === 'S' ? Number(descr.slice(2)) : 1;
  if (count * itemsPerElement !== data.length) throw new Error(`writeNpy: shape [${shape}] has ${count} elements but data has ${data.length}`);
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pad = 64 - ((10 + header.length + 1) % 64);
  header = header + ' '.repeat(pad % 64) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

/** Copies a numeric npy array into Int32Array, checking each value is an integer in int32 range. */
export function npyToInt32(a: NpyArray, what: string): Int32Array {
  if (a.data instanceof Int32Array) return a.data;
  const out = new Int32Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = Number(a.data[i]);
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new Error(`${what}: entry ${i} is ${v}; expected an integer in int32 range`);
    }
    out[i] = v;
  }
  return out;
}

/** Copies a numeric npy array into Float32Array (float64 rounded), rejecting NaN/Inf with the entry's index. */
export function npyToFloat32(a: NpyArray, what: string, cols = 1): Float32Array {
  const out = a.data instanceof Float32Array ? a.data : new Float32Array(a.data.length);
  for (let i = 0; i < out.length; i++) {
    const v = a.data instanceof Float32Array ? out[i] : Number(a.data[i]);
    if (!Number.isFinite(v)) {
      const where = cols > 1 ? `[${Math.floor(i / cols)}, ${i % cols}]` : `${i}`;
      throw new Error(`${what}: entry ${where} is ${v}; expected a finite number`);
    }
    out[i] = v;
  }
  return out;
}
