// The fastgnn command tree: registers the commands (train, preprocess, bench, predict, info, generate).

import { Command } from 'commander';
import { fastgnnVersion } from '../train/report.js';
import { benchCommand } from './bench.js';
import { generateCommand } from './generate.js';
import { infoCommand } from './info.js';
import { predictCommand } from './predict.js';
import { preprocessCommand } from './preprocess.js';
import { trainCommand } from './train.js';

export function buildProgram(): Command {
  const program = new Command('fastgnn')
    .description('Fast graph neural network training in TypeScript')
    .version(fastgnnVersion())
    .showSuggestionAfterError()
    .showHelpAfterError('(run with --help for usage)');
  for (const cmd of [trainCommand(), preprocessCommand(), benchCommand(), predictCommand(), infoCommand(), generateCommand()]) program.addCommand(cmd);
  return program;
}
