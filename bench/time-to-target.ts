// Time to a shared target accuracy across reports of separate runs: `fastgnn bench` reports (every run in them) and
// `fastgnn train` reports, so methods that need different evaluation intervals can be run apart and compared.

import { readFileSync } from 'node:fs';
import { f2, timeToTarget, writeJson } from '../src/cli/bench-runs.js';
import type { TrainReport } from '../src/train/report.js';
import { argNumber, argValue, exitOnHelp, formatTable } from './lib/measure.js';

/* Run: npm run bench:ttt -- <report.json> ... [--fraction 0.98] [--out reports/time-to-target.json]
 * The target is `fraction` of the best validation accuracy of any run (as fastgnn bench's own target); time to
 * target is the training seconds (evaluation excluded) at a run's first evaluation reaching it, so it is known to
 * the grain of that run's evaluation interval. One row per run, labelled with its method and its evaluation's
 * inference; test accuracy under each inference the run timed after training. */

interface Row {
  file: string;
  label: string;
  report: TrainReport;
}

function rowsOf(file: string): Row[] {
  const json = JSON.parse(readFileSync(file, 'utf8')) as { runs?: Array<{ report: TrainReport }> } & Partial<TrainReport>;
  const reports = json.runs ? json.runs.map((r) => r.report) : [json as TrainReport];
  return reports.map((report) => ({ file, label: `${report.method} (${report.inference.method} eval, seed ${report.seed})`, report }));
}

function main(): void {
  const files = process.argv.slice(2).filter((a, i, all) => !a.startsWith('--') && !all[i - 1]?.startsWith('--'));
  if (files.length === 0) throw new Error('time-to-target: give one or more report files (fastgnn bench or fastgnn train --report)');
  const fraction = argNumber('fraction', 0.98);
  if (!(fraction > 0 && fraction <= 1)) throw new Error(`--fraction: expected a number in (0, 1], got ${fraction}`);
  const rows = files.flatMap(rowsOf);
  const best = rows.reduce((b, r) => (r.report.val_acc > b.report.val_acc ? r : b));
  const target = fraction * best.report.val_acc;
  const pct = (x: number | undefined): string => (x === undefined ? '-' : f2(100 * x));
  const sec = (ms: number | null): string => (ms === null ? '-' : f2(ms / 1000, 1));
  const table = rows.map((r) => {
    const p = r.report;
    return {
      label: r.label, file: r.file, test_acc: p.test_acc, test_acc_by_inference: p.inference.test_acc, best_val_acc: p.val_acc,
      epochs_run: p.epochs_run, batches_per_epoch: p.batches_per_epoch, epoch_time_ms: p.epoch_time_ms, preprocess_time_s: p.preprocess_time_s,
      time_to_target_s: timeToTarget(p.val_history, target), ibmb_inference_ms: p.inference.ibmb_ms, layerwise_inference_ms: p.inference.layerwise_ms,
      peak_rss_mb: p.peak_rss_mb,
    };
  });
  console.log(`target validation accuracy ${pct(target)}% = ${f2(100 * fraction, 0)}% of the best run's (${best.label}: ${pct(best.report.val_acc)}%)`);
  console.log(formatTable(
    ['run', 'test %', 'test % ibmb', 'test % layer-wise', 'epochs', 'epoch s', 'preproc s', 'to target s', 'ibmb inf s', 'layer-wise inf s', 'peak RSS MiB'],
    table.map((t) => [
      t.label, pct(t.test_acc), pct(t.test_acc_by_inference.ibmb), pct(t.test_acc_by_inference.layerwise), String(t.epochs_run),
      f2(t.epoch_time_ms / 1000, 1), f2(t.preprocess_time_s, 1), t.time_to_target_s === null ? 'not reached' : f2(t.time_to_target_s, 1),
      sec(t.ibmb_inference_ms), sec(t.layerwise_inference_ms), f2(t.peak_rss_mb, 0),
    ])));
  const out = argValue('out') ?? 'reports/time-to-target.json';
  writeJson(out, { fraction, target_val_acc: target, best: best.label, runs: table });
}

exitOnHelp(import.meta.url);
main();
