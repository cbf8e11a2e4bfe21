// LayerNorm and BatchNorm with affine parameters; BatchNorm keeps running statistics for evaluation.

import { addRowVec, batchNorm, layerNorm, mulRowVec } from '../../tensor/ops.js';
import { Tensor, type DType } from '../../tensor/tensor.js';
import { constant } from '../init.js';
import { Module } from '../module.js';

export class LayerNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-5, dtype: DType = 'float32') {
    super();
    this.weight = this.registerParameter('weight', constant([dim], 1, dtype));
    this.bias = this.registerParameter('bias', constant([dim], 0, dtype));
  }
  forward(x: Tensor): Tensor {
    return layerNorm(x, this.weight, this.bias, this.eps);
  }
}

export class BatchNorm extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly runningMean: Tensor;
  readonly runningVar: Tensor;
  constructor(readonly dim: number, readonly eps = 1e-5, readonly momentum = 0.1, dtype: DType = 'float32') {
    super();
    this.weight = this.registerParameter('weight', constant([dim], 1, dtype));
    this.bias = this.registerParameter('bias', constant([dim], 0, dtype));
    this.runningMean = this.registerBuffer('running_mean', Tensor.zeros([dim], dtype));
    this.runningVar = this.registerBuffer('running_var', Tensor.fromArray(new Array<number>(dim).fill(1), [dim], dtype));
  }
  forward(x: Tensor): Tensor {
    if (this.training) {
      const { y, mean, varUnbiased } = batchNorm(x, this.eps);
      const m = this.momentum;
      for (let j = 0; j < this.dim; j++) {
        this.runningMean.data[j] = (1 - m) * this.runningMean.data[j] + m * mean[j];
        this.runningVar.data[j] = (1 - m) * this.runningVar.data[j] + m * varUnbiased[j];
      }
      return addRowVec(mulRowVec(y, this.weight), this.bias);
    }
    // eval: y = (x - mean) / sqrt(var + eps) * w + b = x * g + (b - mean * g) with g = w / sqrt(var + eps)
    const g = Tensor.zeros([this.dim], x.dtype);
    const shift = Tensor.zeros([this.dim], x.dtype);
    for (let j = 0; j < this.dim; j++) {
      g.data[j] = 1 / Math.sqrt(this.runningVar.data[j] + this.eps);
      shift.data[j] = -this.runningMean.data[j] * g.data[j];
    }
    return addRowVec(mulRowVec(addRowVec(mulRowVec(x, g), shift), this.weight), this.bias);
  }
}
