// Tests of the CLI's bad-input handling: commander's errors for unknown options and commands, and one clear line
// naming the option (exit code 1, no stack trace) for bad values, missing data and impossible splits.

import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CORA_NPZ, PLANETOID, runCli } from './cli.js';

const cases: Array<{ what: string; args: string[]; message: RegExp }> = [
  { what: 'an unknown option', args: ['train', '--data', CORA_NPZ, '--bogus'], message: /error: unknown option '--bogus'/ },
  { what: 'an unknown command', args: ['frobnicate'], message: /error: unknown command 'frobnicate'/ },
  { what: 'negative epochs', args: ['train', '--data', CORA_NPZ, '--epochs', '-5'], message: /option '--epochs <n>' argument '-5' is invalid\. Expected a positive integer\./ },
  { what: 'a dropout of 1', args: ['train', '--data', CORA_NPZ, '--dropout', '1'], message: /option '--dropout <p>' argument '1' is invalid\. Expected a number in \[0, 1\)\./ },
  { what: 'an unknown model', args: ['train', '--data', CORA_NPZ, '--model', 'mlp'], message: /option '--model <kind>' argument 'mlp' is invalid\. Allowed choices are gcn, sage, gat, gin\./ },
  { what: 'a learning rate of 0', args: ['train', '--data', CORA_NPZ, '--lr', '0'], message: /option '--lr <x>' argument '0' is invalid\. Expected a number > 0\./ },
  { what: 'a time limit of 0', args: ['train', '--data', CORA_NPZ, '--time-limit', '0'], message: /option '--time-limit <s>' argument '0' is invalid\. Expected a number > 0\./ },
  { what: 'a malformed split', args: ['train', '--data', CORA_NPZ, '--split', 'half'], message: /option '--split <spec>' argument 'half' is invalid\. Expected 'public' or 'random:<train>:<val>\[:<test>\]'/ },
  { what: 'a missing --data', args: ['train', '--model', 'gcn'], message: /error: required option '--data <path>' not specified/ },
  { what: 'a data file that does not exist', args: ['train', '--data', 'no/such/file.npz'], message: /^fastgnn train: --data: no\/such\/file\.npz: no such file or directory$/ },
  { what: 'a split larger than a class', args: ['train', '--data', CORA_NPZ, '--split', 'random:500:30'], message: /^fastgnn train: --split: .*class 0 has 298 labelled nodes but the split asks for 500 train \+ 30 val/ },
  { what: 'a public split the dataset does not have', args: ['train', '--data', CORA_NPZ, '--split', 'public'], message: /^fastgnn train: --split: dataset 'cora' .*has no public split; use a random split, e\.g\. --split random:20:30$/ },
  { what: 'a directory of several datasets without --name', args: ['info', '--data', PLANETOID], message: /^fastgnn info: --data: .*holds several Planetoid datasets \(citeseer, cora\); choose one with --name$/ },
  { what: 'info without --data or --backend', args: ['info'], message: /^fastgnn info: expected --data <path> or --backend/ },
  { what: 'a checkpoint that is not one', args: ['predict', '--checkpoint', CORA_NPZ, '--data', CORA_NPZ], message: /^fastgnn predict: --checkpoint: / },
];

describe('CLI errors', () => {
  for (const c of cases) {
    it(`rejects ${c.what} with one clear line and exit code 1`, () => {
      const r = runCli(c.args);
      assert.equal(r.code, 1, `stdout: ${r.stdout}\nstderr: ${r.stderr}`);
      assert.match(r.stderr.split('\n')[0], c.message);
      assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    });
  }

  it('prints the stack trace as well when FASTGNN_DEBUG=1', () => {
    const r = runCli(['train', '--data', 'no/such/file.npz'], { FASTGNN_DEBUG: '1' });
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^fastgnn train: --data: no\/such\/file\.npz: no such file or directory\n/);
    assert.match(r.stderr, /\n\s+at /);
  });
});
