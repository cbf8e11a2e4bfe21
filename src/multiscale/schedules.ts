// Coarse-to-fine and sub-to-full training schedules: the same model and optimiser trained from the coarsest
// level down to the full graph (optionally with mini-batches there), evaluated on the full graph throughout.

import type { GNN } from '../nn/models.js';
import type { BatchSource } from '../train/minibatch.js';
import { buildHierarchy, type Hierarchy, type HierarchyOptions } from './hierarchy.js';
import { checkOptions, Session, type MultiscaleResult, type MultiscaleTrainOptions } from './session.js';

export interface CoarseToFineOptions extends MultiscaleTrainOptions {
  /** train level 0 with mini-batches from this source instead of full-graph steps (composes multiscale with
   *  mini-batching: e.g. fixedBatchSource / sampledBatchSource from src/batching/sources.ts) */
  fineSource?: () => BatchSource;
}

/** Epochs per level: E * 2^l at level l (index = level). */
export function coarseToFineEpochs(epochs: number, numLevels: number): number[] {
  return Array.from({ length: numLevels }, (_, l) => epochs * 2 ** l);
}

/** (a) Coarse-to-fine: for l = L-1 down to 0, E * 2^l epochs on level l with the SAME model and optimiser state;
 *  full-graph evaluation every evalEvery epochs; early stopping ends a level early (see `patience`) and the best
 *  weights over all levels are restored at the end. Redrawing methods get a fresh level every epoch (the global
 *  epoch counter picks the draw). Then `finalFullEpochs` more full-graph epochs. */
export function trainCoarseToFine(model: GNN, hierarchy: Hierarchy, opts: CoarseToFineOptions): MultiscaleResult {
  checkOptions(opts, 'trainCoarseToFine');
  const { data, split } = hierarchy.input;
  const s = new Session(model, data, split, opts);
  const perLevel = coarseToFineEpochs(opts.epochs, hierarchy.numLevels);
  const fine = opts.fineSource ? opts.fineSource() : null;
  for (let l = hierarchy.numLevels - 1; l >= 0; l--) {
    s.newPhase();
    for (let e = 0; e < perLevel[l]; e++) {
      const last = e === perLevel[l] - 1;
      let loss: number;
      if (l === 0 && fine) {
        loss = s.batchEpoch(fine.batches(s.epoch));
      } else {
        const t = performance.now();
        const lv = hierarchy.level(l, s.epoch); // redrawing methods build a new level here: training time too
        s.addTrainTime((performance.now() - t) / 1000);
        loss = s.levelStep(lv);
      }
      if (s.endEpoch(l, loss, last)) break;
    }
    // done with this level: its arrays need not stay beside the finer levels' (1M-node graph, topk levels: peak RSS
    // 4970 -> 4647 MiB, plain training's 4484)
    hierarchy.forget(l);
  }
  s.finalPhase(hierarchy.level(0, 0));
  return s.finish();
}

/** (b) Sub-to-full: coarse-to-fine on ego-network subgraphs (method 'subgraph'). */
export function trainSubToFull(
  model: GNN, data: Hierarchy['input']['data'], split: Hierarchy['input']['split'],
  hierarchy: Omit<HierarchyOptions, 'method'>, opts: CoarseToFineOptions,
): MultiscaleResult {
  return trainCoarseToFine(model, buildHierarchy(data, split, { ...hierarchy, method: 'subgraph' }), opts);
}
