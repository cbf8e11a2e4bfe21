// Builds the optimiser and LR scheduler a training run asks for by name.

import { Adam, AdamW, SGD } from '../nn/optim/index.js';
import type { Optimizer } from '../nn/optim/index.js';
import { CosineAnnealingLR, ReduceLROnPlateau, StepLR } from '../nn/schedulers.js';
import type { Tensor } from '../tensor/tensor.js';

export type OptimizerName = 'adam' | 'adamw' | 'sgd';
export const SCHEDULER_NAMES = ['none', 'plateau', 'cosine', 'step'] as const;
export type SchedulerName = (typeof SCHEDULER_NAMES)[number];

export interface OptimizerSpec {
  optimizer: OptimizerName;
  lr: number;
  momentum?: number;
  scheduler: SchedulerName;
  /** epochs, for the cosine schedule's period */
  epochs: number;
}

export type Scheduler = { kind: 'none' } | { kind: 'plateau'; s: ReduceLROnPlateau } | { kind: 'epoch'; s: StepLR | CosineAnnealingLR };

export function makeOptimizer(groups: Array<{ params: Tensor[]; weightDecay: number }>, spec: OptimizerSpec): Optimizer {
  const live = groups.filter((g) => g.params.length > 0);
  switch (spec.optimizer) {
    case 'adam':
      return new Adam(live, { lr: spec.lr });
    case 'adamw':
      return new AdamW(live, { lr: spec.lr });
    case 'sgd':
      return new SGD(live, { lr: spec.lr, momentum: spec.momentum ?? 0.9 });
    default:
      throw new Error(`unknown optimizer '${String(spec.optimizer)}' (expected adam, adamw or sgd)`);
  }
}

export function makeScheduler(opt: Optimizer, spec: OptimizerSpec): Scheduler {
  switch (spec.scheduler) {
    case 'none':
      return { kind: 'none' };
    case 'plateau':
      // the IBMB paper's setting: on validation loss, factor 0.33, patience 30, cooldown 10, min lr 1e-4
      return { kind: 'plateau', s: new ReduceLROnPlateau(opt, { mode: 'min', factor: 0.33, patience: 30, cooldown: 10, minLr: Math.min(1e-4, spec.lr) }) };
    case 'cosine':
      return { kind: 'epoch', s: new CosineAnnealingLR(opt, { tMax: spec.epochs }) };
    case 'step':
      return { kind: 'epoch', s: new StepLR(opt, { stepSize: Math.max(1, Math.floor(spec.epochs / 3)), gamma: 0.1 }) };
    default:
      throw new Error(`unknown scheduler '${String(spec.scheduler)}' (expected none, plateau, cosine or step)`);
  }
}

export function stepScheduler(s: Scheduler, valLoss: number): void {
  if (s.kind === 'plateau') s.s.step(valLoss);
  else if (s.kind === 'epoch') s.s.step();
}
