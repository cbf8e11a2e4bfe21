// Tensor: a flat Float32Array/Float64Array with a shape, plus what reverse-mode autograd needs.

import type { FloatArray } from '../kernels/types.js';
import { activeArena } from './arena.js';
import type { Primitive, TapeNode } from './primitives.js';

export type DType = 'float32' | 'float64';

export function dtypeOf(data: FloatArray): DType {
  return data instanceof Float64Array ? 'float64' : 'float32';
}

/** Arrays of at least this many values live in shared memory, so worker threads can read and write them. */
const SHARED_MIN = 1 << 18;

/** A zeroed array for an op's result (from the active arena, inside a training step). */
export function allocate(dtype: DType, size: number): FloatArray {
  const arena = activeArena(size);
  if (arena) return arena.take(dtype, size);
  return newArray(dtype, size);
}

/** An array for an op's result that its kernel overwrites entirely: from the arena it may hold a previous step's
 *  values, which saves the zero-fill (a pass over the array on one thread). */
export function allocateOverwritten(dtype: DType, size: number): FloatArray {
  const arena = activeArena(size);
  if (arena) return arena.take(dtype, size, false);
  return newArray(dtype, size);
}

/** A fresh zeroed array; large ones are backed by a SharedArrayBuffer (as fast as an ArrayBuffer on one thread). */
export function newArray(dtype: DType, size: number): FloatArray {
  const bytes = dtype === 'float64' ? 8 : 4;
  if (size < SHARED_MIN) return dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
  const buffer = new SharedArrayBuffer(size * bytes);
  return dtype === 'float64' ? new Float64Array(buffer) : new Float32Array(buffer);
}

export function shapeSize(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export class Tensor {
  readonly data: FloatArray;
  readonly shape: readonly number[];
  /** true for parameters and for every tensor computed from one while gradients are enabled */
  readonly requiresGrad: boolean;
  /** accumulated gradient of a leaf after backward() */
  grad: Tensor | null = null;
  /** the primitive application that produced this tensor; null for leaves and constants */
  readonly node: TapeNode<Primitive> | null;

  constructor(data: FloatArray, shape: readonly number[], requiresGrad = false, node: TapeNode<Primitive> | null = null) {
    if (shapeSize(shape) !== data.length) {
      throw new Error(`Tensor: shape [${shape.join(', ')}] needs ${shapeSize(shape)} values, got ${data.length}`);
    }
    this.data = data;
    this.shape = shape;
    this.requiresGrad = requiresGrad;
    this.node = node;
  }

  get dtype(): DType {
    return dtypeOf(this.data);
  }

  get size(): number {
    return this.data.length;
  }

  /** number of rows of a matrix (first dimension; 1 for a scalar) */
  get rows(): number {
    return this.shape.length === 0 ? 1 : this.shape[0];
  }

  /** row width of a matrix: product of all dimensions after the first */
  get cols(): number {
    return shapeSize(this.shape.slice(1));
  }

  /** the single value of a one-element tensor */
  item(): number {
    if (this.data.length !== 1) throw new Error(`Tensor.item: tensor has ${this.data.length} values, expected 1`);
    return this.data[0];
  }

  /** a new leaf with the same values and no history */
  detach(): Tensor {
    return new Tensor(this.data, this.shape, false, null);
  }

  toString(): string {
    return `Tensor(${this.dtype}, [${this.shape.join(', ')}])`;
  }

  static zeros(shape: readonly number[], dtype: DType = 'float32'): Tensor {
    return new Tensor(allocate(dtype, shapeSize(shape)), shape);
  }

  static fromArray(values: ArrayLike<number>, shape: readonly number[], dtype: DType = 'float32'): Tensor {
    const data = allocate(dtype, values.length);
    for (let i = 0; i < values.length; i++) data[i] = values[i];
    return new Tensor(data, shape);
  }

  static scalar(v: number, dtype: DType = 'float32'): Tensor {
    return Tensor.fromArray([v], [], dtype);
  }
}

/** A trainable leaf tensor. */
export function parameter(data: FloatArray, shape: readonly number[]): Tensor {
  return new Tensor(data, shape, true, null);
}
