// `fastgnn preprocess`: build a fixed-batch method's training and inference batches once and write the batch cache
// that `fastgnn train --batches` reuses; prints the preprocessing time.

import { Command } from 'commander';
import { runPreprocess, type PreprocessOptions } from '../train/run.js';
import { addDataOptions, loadOptionsOf, type DataFlags } from './data.js';
import { CliError, reportError } from './errors.js';
import { intAtLeast, splitSpec } from './options.js';
import { addMethodOptions, methodOptionsOf, withFlag, type MethodFlags } from './train.js';

interface PreprocessFlags extends DataFlags, MethodFlags {
  split?: string;
  splitSeed?: number;
  seed?: number;
  out: string;
}

export function preprocessCommand(): Command {
  const cmd = addDataOptions(new Command('preprocess').description('build IBMB batches (training + inference) once and write them to a batch cache file'));
  return addMethodOptions(cmd, ['ibmb-node', 'ibmb-batch'])
    .option('--split <spec>', "the split the training run will use: 'public' or 'random:<train>:<val>[:<test>]' (default as in train)", splitSpec)
    .option('--split-seed <n>', 'seed of a random split (default: --seed)', intAtLeast(0))
    .option('--seed <n>', 'the training run\'s seed: split seed and batch construction seed (default 0)', intAtLeast(0))
    .requiredOption('--out <file>', 'write the batch cache here')
    .action(async (f: PreprocessFlags) => {
      try {
        if (f.method === undefined) throw new CliError('--method: required; expected ibmb-node or ibmb-batch');
        const opts: PreprocessOptions = {
          data: f.data, name: f.name, loadOptions: loadOptionsOf(f), split: f.split, splitSeed: f.splitSeed, seed: f.seed,
          method: f.method, methodOptions: methodOptionsOf(f), out: f.out,
        };
        const r = await runPreprocess(opts);
        process.stdout.write(
          `${r.method}: ${r.batches} training batches, ${r.evalBatches} inference batches  options ${JSON.stringify(r.methodOptions)}\n` +
            `preprocessing time ${r.preprocessTimeS.toFixed(3)} s\nbatch cache: ${r.file}\n`,
        );
      } catch (e) {
        reportError('preprocess', withFlag(e));
      }
    });
}
