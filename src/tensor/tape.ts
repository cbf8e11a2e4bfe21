// Recording of primitive applications: whether gradients are tracked, and how a result joins the tape.

import type { FloatArray } from '../kernels/types.js';
import type { Primitive, PrimitiveAttrs, SavedOf } from './primitives.js';
import { Tensor } from './tensor.js';

let gradEnabled = true;

export function isGradEnabled(): boolean {
  return gradEnabled;
}

/** Runs fn without recording anything on the tape (inference, optimiser steps, backward rules). */
export function noGrad<T>(fn: () => T): T {
  const before = gradEnabled;
  gradEnabled = false;
  try {
    return fn();
  } finally {
    gradEnabled = before;
  }
}

/** Whether a primitive applied to `inputs` now joins the tape: gradients are on and some input needs one. */
export function tracksGradient(inputs: readonly Tensor[]): boolean {
  return gradEnabled && inputs.some((t) => t.requiresGrad);
}

/** Wraps a primitive's result; it joins the tape only when some input needs a gradient. */
export function record<P extends Primitive>(
  prim: P,
  inputs: readonly Tensor[],
  attrs: PrimitiveAttrs[P],
  data: FloatArray,
  shape: readonly number[],
  saved: SavedOf<P>,
): Tensor {
  const needsGrad = tracksGradient(inputs);
  return new Tensor(data, shape, needsGrad, needsGrad ? { prim, inputs, attrs, saved } : null);
}
