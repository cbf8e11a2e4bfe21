// `fastgnn generate`: write a seeded synthetic node-classification graph in the fast binary format (.fgnn).

import { Command } from 'commander';
import { generateSynthetic } from '../graph/generate.js';
import { saveBinary } from '../graph/io/binary.js';
import { CliError, reportError } from './errors.js';
import { dropoutRate, intAtLeast, nonNegativeNumber, positiveNumber, probability } from './options.js';

interface GenerateFlags {
  nodes: number;
  avgDegree: number;
  classes: number;
  features: number;
  seed: number;
  homophily?: number;
  locality?: number;
  featureNoise?: number;
  labelNoise?: number;
  out: string;
}

export function generateCommand(): Command {
  return new Command('generate')
    .description('generate a seeded synthetic graph (power-law degrees, class communities) as a .fgnn file')
    .requiredOption('--nodes <n>', 'number of nodes', intAtLeast(2))
    .requiredOption('--avg-degree <d>', 'mean neighbours per node', positiveNumber)
    .option('--classes <c>', 'number of classes', intAtLeast(1), 10)
    .option('--features <f>', 'feature dimension', intAtLeast(1), 128)
    .option('--seed <s>', 'random seed', intAtLeast(0), 0)
    .option('--homophily <h>', 'probability an edge stays inside its class, in [0, 1) (default 0.8)', dropoutRate)
    .option('--locality <q>', 'probability an edge inside a class joins ring neighbours (local communities, triangles), in [0, 1] (default 0)', probability)
    .option('--feature-noise <s>', 'standard deviation of the feature noise around the class centroids, >= 0 (default 0.19 * avg-degree^0.8: features alone are weak, the label signal is spread over three hops)', nonNegativeNumber)
    .option('--label-noise <p>', 'fraction of nodes whose label is redrawn among the other classes, in [0, 1) (default 0): caps accuracy near 1 - p, as on real graphs', dropoutRate)
    .requiredOption('--out <file.fgnn>', 'output file')
    .action((f: GenerateFlags) => {
      try {
        if (!f.out.endsWith('.fgnn')) throw new CliError(`--out: expected a file name ending in .fgnn, got '${f.out}'`);
        if (f.classes > f.nodes) throw new CliError(`--classes: ${f.classes} is more than --nodes ${f.nodes}`);
        if (f.avgDegree >= f.nodes) throw new CliError(`--avg-degree: must be below --nodes (${f.nodes}), got ${f.avgDegree}`);
        const t0 = performance.now();
        const d = generateSynthetic({ nodes: f.nodes, avgDegree: f.avgDegree, classes: f.classes, features: f.features, seed: f.seed, homophily: f.homophily,
          locality: f.locality, featureNoise: f.featureNoise, labelNoise: f.labelNoise });
        saveBinary(d, f.out);
        const s = ((performance.now() - t0) / 1000).toFixed(2);
        process.stdout.write(`wrote ${f.out}: ${d.graph.rows} nodes, ${d.graph.indptr[d.graph.rows]} stored edges, ${d.features.cols} features, ${d.numClasses} classes (${s} s)\n`);
      } catch (e) {
        reportError('generate', e);
      }
    });
}
