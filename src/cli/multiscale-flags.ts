// The multiscale flags of `fastgnn train` (--multiscale and its knobs) and `fastgnn bench` (the knobs, forwarded):
// their definitions, and flags -> the library's MultiscaleRunOptions.

import { Option, type Command } from 'commander';
import { COARSEN_METHODS } from '../multiscale/level.js';
import { COARSE_EVAL_MODES } from '../multiscale/session.js';
import { MULTISCALE_SCHEDULES, type MultiscaleRunOptions, type MultiscaleSchedule } from '../train/multiscale-options.js';
import { CliError } from './errors.js';
import { intAtLeast, openUnitInterval, positiveNumber } from './options.js';

/** The knobs of a multiscale run: MultiscaleRunOptions field, flag, parser (or choices), help. */
export const MULTISCALE_KNOBS: ReadonlyArray<{
  key: Exclude<keyof MultiscaleRunOptions, 'schedule'>; flag: string; parse?: (v: string) => number; choices?: readonly string[]; help: string;
}> = [
  { key: 'coarsen', flag: '--coarsen <method>', choices: COARSEN_METHODS, help: 'coarsening of levels >= 1 (default random; sub-to-full: subgraph, the only one it takes)' },
  { key: 'levels', flag: '--levels <n>', parse: intAtLeast(1), help: 'levels including the full graph, >= 1 (default 2)' },
  { key: 'power', flag: '--power <p>', parse: intAtLeast(1), help: 'connectivity enhancement: link kept nodes within p hops, A^p (default 1; selection methods only)' },
  { key: 'levelRatio', flag: '--level-ratio <r>', parse: openUnitInterval, help: 'kept fraction per level, level l keeps floor(n r^l) nodes, in (0, 1) (default 0.5); matching: 1/2^k, k rounds per level' },
  { key: 'mlmcBatch', flag: '--mlmc-batch <b>', parse: intAtLeast(1), help: 'multiscale-grad: sampled training nodes of the finest term; term l samples b 2^l (default 32)' },
  { key: 'finalFullEpochs', flag: '--final-full-epochs <n>', parse: intAtLeast(0), help: 'full-graph epochs after the schedule (default 0; multiscale-grad ceil(epochs / 10))' },
  { key: 'maxPowerEdges', flag: '--max-power-edges <n>', parse: positiveNumber, help: 'refuse an A^p estimated to have more edges (default: a quarter of memory at 64 B/edge, at most 5e8)' },
  { key: 'coarseEval', flag: '--coarse-eval <mode>', choices: COARSE_EVAL_MODES, help: 'evaluation on levels >= 1: scaled, every --eval-every * 2^l epochs at level l, or every, every --eval-every epochs (default scaled)' },
];

/** CLI flag of each MultiscaleRunOptions field (for errors naming their option). */
export const MULTISCALE_FLAG_OF: Readonly<Record<string, string>> = {
  multiscale: '--multiscale',
  ...Object.fromEntries(MULTISCALE_KNOBS.map((k) => [k.key, k.flag.split(' ')[0]])),
};

/** The multiscale flags as commander parses them: the library's options, the schedule named by --multiscale. */
export interface MultiscaleFlags extends Partial<Omit<MultiscaleRunOptions, 'schedule'>> {
  multiscale?: MultiscaleSchedule;
}

/** Adds the knobs (and, with `schedule`, --multiscale itself) to a command. */
export function addMultiscaleOptions(cmd: Command, schedule = true): Command {
  if (schedule) {
    cmd.addOption(new Option('--multiscale <schedule>', 'train with a multiscale schedule, evaluated on the full graph (see README: multiscale)').choices(MULTISCALE_SCHEDULES));
  }
  for (const k of MULTISCALE_KNOBS) {
    const o = new Option(k.flag, k.help);
    cmd.addOption(k.choices ? o.choices(k.choices) : o.argParser(k.parse!));
  }
  return cmd;
}

/** The run's multiscale options, or undefined without --multiscale (when a knob given alone is an error). */
export function multiscaleOptionsOf(f: MultiscaleFlags): MultiscaleRunOptions | undefined {
  const given = MULTISCALE_KNOBS.filter((k) => f[k.key] !== undefined);
  if (f.multiscale === undefined) {
    if (given.length > 0) {
      throw new CliError(`${given[0].flag.split(' ')[0]}: applies to multiscale training only; expected --multiscale ${MULTISCALE_SCHEDULES.join('|')} with it`);
    }
    return undefined;
  }
  return {
    schedule: f.multiscale, coarsen: f.coarsen, levels: f.levels, power: f.power, levelRatio: f.levelRatio, mlmcBatch: f.mlmcBatch,
    finalFullEpochs: f.finalFullEpochs, maxPowerEdges: f.maxPowerEdges, coarseEval: f.coarseEval,
  };
}
