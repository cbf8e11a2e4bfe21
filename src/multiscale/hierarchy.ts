// The multiscale hierarchy: level 0 = the full graph, levels 1..L-1 coarsened from it, redrawn per epoch
// for the methods that redraw.

import type { Split } from '../graph/dataset.js';
import { Tensor } from '../tensor/tensor.js';
import type { PreparedData } from '../train/prepare.js';
import { coarsenLevel, levelSize, redrawsEveryEpoch, validateCoarsenOptions } from './coarsen/index.js';
import { COARSEN_METHODS, fullLevel, type CoarseLevel, type CoarsenInput, type CoarsenMethod } from './level.js';

export interface HierarchyOptions {
  readonly method: CoarsenMethod;
  /** number of levels L >= 1 including the full graph (level 0) */
  readonly levels: number;
  /** kept fraction per level (selection methods), default 0.5 */
  readonly ratio?: number;
  /** connectivity enhancement A^p, default 1 */
  readonly power?: number;
  readonly maxPowerEdges?: number;
  readonly seed: number;
}

export interface Hierarchy {
  readonly method: CoarsenMethod;
  readonly numLevels: number;
  readonly input: CoarsenInput;
  /** whether levels >= 1 change from epoch to epoch */
  readonly redraws: boolean;
  /** the levels of `epoch` (index = level); cached: fixed methods build once, redrawing methods once per epoch */
  levelsAt(epoch: number): readonly CoarseLevel[];
  /** level l of `epoch`. Redrawing methods gather a new draw's feature rows into the buffer of the draw it replaces
   *  (the same level, an earlier epoch), and give back what the kernels held of its graph: a level is valid until
   *  the next epoch's draw of that level. */
  level(l: number, epoch: number): CoarseLevel;
  /** Drops the cached level l >= 1 and gives back what the kernels held of its graph, so that its arrays can be
   *  collected once no one else holds it (a schedule that is done with a level); asked for again, it is built again,
   *  the same as before. */
  forget(l: number): void;
}

export function buildHierarchy(data: PreparedData, split: Split, opts: HierarchyOptions): Hierarchy {
  if (!COARSEN_METHODS.includes(opts.method)) {
    throw new Error(`buildHierarchy: method must be one of ${COARSEN_METHODS.join(', ')}, got '${String(opts.method)}'`);
  }
  if (!Number.isInteger(opts.levels) || opts.levels < 1) {
    throw new Error(`buildHierarchy: levels must be an integer >= 1 (1 = the full graph only), got ${opts.levels}`);
  }
  if (!Number.isFinite(opts.seed)) throw new Error(`buildHierarchy: seed must be a finite number, got ${opts.seed}`);
  for (let l = 1; l < opts.levels; l++) {
    validateCoarsenOptions(opts.method, l, opts);
    if (opts.method !== 'matching') levelSize(data.ctx.numNodes, l, opts.ratio ?? 0.5);
  }
  const input: CoarsenInput = { data, split };
  const level0 = fullLevel(input);
  const redraws = redrawsEveryEpoch(opts.method);
  const cache = new Map<number, CoarseLevel>(); // by level, for the epoch `cachedEpoch` (fixed methods: all epochs)
  let cachedEpoch = -1;
  // redrawing methods: per level, the buffer its draws' dense feature rows are gathered into (the largest draw's so
  // far; rns alternates sizes), used by the draw of the epoch in cache only (Amazon Computers, level 1: 6,876 rows of
  // 767 features, 21 MB, gathered every epoch into fresh pages before)
  const buffers = new Map<number, Float32Array | Float64Array>();
  const level = (l: number, epoch: number): CoarseLevel => {
    if (!Number.isInteger(l) || l < 0 || l >= opts.levels) throw new Error(`hierarchy: level must be in [0, ${opts.levels}), got ${l}`);
    if (l === 0) return level0;
    const e = redraws ? epoch : 0;
    if (redraws && e !== cachedEpoch) {
      // keep only the current epoch's draws
      for (const old of cache.values()) old.data.ctx.release();
      cache.clear();
      cachedEpoch = e;
    }
    let lv = cache.get(l);
    if (!lv) {
      const buffer = redraws ? buffers.get(l) : undefined;
      lv = coarsenLevel(input, opts.method, l, opts, opts.seed, e, buffer);
      const x = lv.data.x;
      // rows that did not fit the buffer were gathered into a new, longer array: the level's buffer from now on
      if (redraws && x instanceof Tensor && x.data.length > (buffer?.length ?? 0)) buffers.set(l, x.data);
      cache.set(l, lv);
    }
    return lv;
  };
  // build fixed levels (and epoch 0's draws) now so bad options fail early
  for (let l = 1; l < opts.levels; l++) level(l, 0);
  return {
    method: opts.method,
    numLevels: opts.levels,
    input,
    redraws,
    level,
    forget: (l: number) => {
      if (l >= 1) {
        cache.get(l)?.data.ctx.release();
        cache.delete(l);
        buffers.delete(l);
      }
    },
    levelsAt: (epoch: number) => Array.from({ length: opts.levels }, (_, l) => level(l, epoch)),
  };
}
