// The kernels the wasm module computes, as plans: each lays out its operands and returns the phases to run, or null
// when it declines them (float64 operands, a width that does not split into the heads) and the caller runs its loops.

import type { Kernels } from './types.js';
import {
  edgeSoftmaxBackwardPlan, edgeSoftmaxPlan, gatAttentionBackwardPlan, gatAttentionPlan, gspmmBackwardPlan, gspmmPlan, gspmmTPlan,
  sddmmAddPlan, sddmmDotPlan,
} from './wasm-attention.js';
import type { WasmPhase } from './wasm-job.js';
import { applyMaskPlan, dropoutPlan } from './wasm-dropout.js';
import { activationBackwardPlan, activationPlan, addRowVecPlan, columnSumsPlan } from './wasm-elementwise.js';
import { layerNormBackwardPlan, layerNormPlan } from './wasm-layer-norm.js';
import { gatherRowsPlan, scatterAddRowsPlan } from './wasm-rows.js';
import { gatherPlan, transposedGatherPlan, type WasmSparse } from './wasm-sparse.js';

export type PlannedKernel =
  | 'spmm' | 'spmmBiasActivation' | 'spmmT' | 'gspmm' | 'gspmmT' | 'sddmmDot' | 'gspmmBackward' | 'sddmmAdd' | 'edgeSoftmax'
  | 'edgeSoftmaxBackward' | 'gatAttention' | 'gatAttentionBackward' | 'gatherRows' | 'scatterAddRows' | 'addRowVec' | 'activation'
  | 'columnSums' | 'activationBackward' | 'dropout' | 'applyMask' | 'layerNorm' | 'layerNormBackward';

export type WasmPlans = { readonly [K in PlannedKernel]: (...args: Parameters<Kernels[K]>) => WasmPhase[] | null };

/** The plans on module `s`; `parallel` plans split every phase by output rows (A^T y then gathers over the transpose
 *  where one thread may scatter instead). */
export function wasmPlans(s: WasmSparse, parallel: boolean): WasmPlans {
  /** the plan taking the kernel's own arguments after the module */
  const on = <A extends unknown[]>(plan: (s: WasmSparse, ...args: A) => WasmPhase[] | null) => (...args: A): WasmPhase[] | null => plan(s, ...args);
  return {
    spmm: (a, x, f, out) => gatherPlan(s, a, a.values, x, f, out),
    spmmBiasActivation: (a, x, f, bias, act, out) => gatherPlan(s, a, a.values, x, f, out, { bias, act }),
    spmmT: (...args) => transposedGatherPlan(s, parallel, ...args),
    gspmm: on(gspmmPlan),
    gspmmT: on(gspmmTPlan),
    sddmmDot: on(sddmmDotPlan),
    gspmmBackward: on(gspmmBackwardPlan),
    sddmmAdd: on(sddmmAddPlan),
    edgeSoftmax: on(edgeSoftmaxPlan),
    edgeSoftmaxBackward: on(edgeSoftmaxBackwardPlan),
    gatAttention: on(gatAttentionPlan),
    gatAttentionBackward: on(gatAttentionBackwardPlan),
    gatherRows: on(gatherRowsPlan),
    scatterAddRows: on(scatterAddRowsPlan),
    addRowVec: on(addRowVecPlan),
    activation: on(activationPlan),
    columnSums: on(columnSumsPlan),
    activationBackward: on(activationBackwardPlan),
    dropout: on(dropoutPlan),
    applyMask: on(applyMaskPlan),
    layerNorm: on(layerNormPlan),
    layerNormBackward: on(layerNormBackwardPlan),
  };
}

/** `base` with each planned kernel run through its plan, by `run`, when the plan takes the operands. */
export function withWasm(base: Kernels, plans: WasmPlans, run: (phases: WasmPhase[]) => void): Kernels {
  const k: Record<string, unknown> = { ...base };
  for (const name of Object.keys(plans) as PlannedKernel[]) {
    const plan = plans[name] as (...args: unknown[]) => WasmPhase[] | null;
    const fallback = base[name] as (...args: unknown[]) => void;
    k[name] = (...args: unknown[]): void => {
      const phases = plan(...args);
      if (phases) run(phases);
      else fallback(...args);
    };
  }
  return k as unknown as Kernels;
}
