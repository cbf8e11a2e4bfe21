// Parameter initialisers (Glorot, PyTorch's default Linear init, constants), all drawing from an explicit Rng.

import type { Rng } from '../graph/rng.js';
import { lastingArray } from '../tensor/arena.js';
import { parameter, type DType, type Tensor } from '../tensor/tensor.js';

/** Uniform(-a, a) with a = sqrt(6 / (fanIn + fanOut)) (PyG's glorot). */
export function glorot(shape: number[], fanIn: number, fanOut: number, rng: Rng, dtype: DType): Tensor {
  return uniform(shape, Math.sqrt(6 / (fanIn + fanOut)), rng, dtype);
}

/** torch.nn.Linear's default: Uniform(-1/sqrt(fanIn), 1/sqrt(fanIn)) for weight and bias. */
export function torchLinearDefault(shape: number[], fanIn: number, rng: Rng, dtype: DType): Tensor {
  return uniform(shape, fanIn > 0 ? 1 / Math.sqrt(fanIn) : 0, rng, dtype);
}

export function uniform(shape: number[], bound: number, rng: Rng, dtype: DType): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = lastingArray(dtype, size);
  for (let i = 0; i < size; i++) data[i] = (rng.next() * 2 - 1) * bound;
  return parameter(data, shape);
}

export function constant(shape: number[], value: number, dtype: DType): Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const data = lastingArray(dtype, size);
  data.fill(value);
  return parameter(data, shape);
}
