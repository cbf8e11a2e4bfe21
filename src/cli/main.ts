#!/usr/bin/env node
// fastgnn command-line entry point: checks the environment, then runs the command asked for (see program.ts).

import { parseThreadCount } from '../kernels/threads.js';

// FASTGNN_THREADS is read when the kernels load (as the commands are imported): check it first, so a bad value is
// one clear line and exit code 1 rather than a stack trace from inside an import
try {
  parseThreadCount(process.env.FASTGNN_THREADS, 'FASTGNN_THREADS');
} catch (e) {
  process.stderr.write(`fastgnn: ${(e as Error).message}\n`);
  process.exit(1);
}

const { buildProgram } = await import('./program.js');
await buildProgram().parseAsync(process.argv);
