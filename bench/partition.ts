// Edge cut and balance of our multilevel partitioner against METIS (gpmetis) on Cora, CiteSeer, Amazon Computers
// and a synthetic power-law graph, both measured with our own metrics code.
// Usage: node dist/bench/partition.js [--parts 16,64] [--synthetic-nodes 1000000] [--graphs cora,citeseer,...]
//        [--imbalance 1.03] [--seed 1] [--out reports/bench-partition.json]

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { removeSelfLoops, symmetrize } from '../src/graph/build.js';
import type { CsrGraph } from '../src/graph/csr.js';
import { generateSynthetic } from '../src/graph/generate.js';
import { loadNpz } from '../src/graph/io/npz.js';
import { loadPlanetoid } from '../src/graph/io/planetoid.js';
import { edgeCut, imbalance } from '../src/graph/partition/metrics.js';
import { readMetisPartition, writeMetisGraph } from '../src/graph/partition/metis-io.js';
import { partitionGraphDetailed } from '../src/graph/partition/multilevel.js';
import { argInt, argList, argNumber, argValue, exitOnHelp, formatTable } from './lib/measure.js';
import { sharedPath } from './lib/paths.js';

interface Row {
  graph: string;
  nodes: number;
  edges: number;
  k: number;
  oursCut: number;
  metisCut: number;
  ratio: number;
  oursImbalance: number;
  metisImbalance: number;
  oursSeconds: number;
  metisSeconds: number;
  levels: number[];
}

const loaders: Record<string, (synthNodes: number) => CsrGraph> = {
  cora: () => loadPlanetoid(sharedPath('datasets', 'planetoid'), 'cora').graph,
  citeseer: () => loadPlanetoid(sharedPath('datasets', 'planetoid'), 'citeseer').graph,
  'amazon-computers': () => loadNpz(sharedPath('datasets', 'npz', 'amazon_electronics_computers.npz')).graph,
  synthetic: (nodes) => generateSynthetic({ nodes, avgDegree: 20, classes: 10, features: 1, seed: 1 }).graph,
};

/** gpmetis's own partitioning time (without its file I/O), falling back to our wall time. */
function metisSeconds(stdout: string, wall: number): number {
  const m = /Partitioning:\s+([\d.]+)\s+sec/.exec(stdout);
  return m ? Number(m[1]) : wall;
}

function main(): void {
  const parts = argList('parts', ['16', '64']).map((k) => {
    if (!/^\d+$/.test(k) || Number(k) < 2) throw new Error(`--parts: expected integers >= 2, got '${k}'`);
    return Number(k);
  });
  const synthNodes = argInt('synthetic-nodes', 1000000);
  const names = argList('graphs', Object.keys(loaders));
  const imb = argNumber('imbalance', 1.03);
  if (!(imb >= 1)) throw new Error(`--imbalance: expected a number >= 1, got ${imb}`);
  const seed = argInt('seed', 1, 0);
  const out = argValue('out') ?? path.join('reports', 'bench-partition.json');
  const ufactor = Math.round((imb - 1) * 1000);
  const dir = mkdtempSync(path.join(os.tmpdir(), 'fastgnn-partition-'));
  const rows: Row[] = [];
  try {
    for (const name of names) {
      const load = loaders[name];
      if (!load) throw new Error(`--graphs: unknown graph "${name}", expected some of ${Object.keys(loaders).join(', ')}`);
      const g = removeSelfLoops(symmetrize(load(synthNodes)));
      const file = path.join(dir, `${name}.graph`);
      writeMetisGraph(g, file);
      for (const k of parts) {
        const t0 = performance.now();
        const ours = partitionGraphDetailed(g, { parts: k, seed, imbalance: imb });
        const oursSeconds = (performance.now() - t0) / 1000;
        const t1 = performance.now();
        const r = spawnSync('gpmetis', [`-ufactor=${ufactor}`, `-seed=${seed}`, file, String(k)], { encoding: 'utf8' });
        const wall = (performance.now() - t1) / 1000;
        if (r.status !== 0) throw new Error(`gpmetis failed on ${name} k=${k}: ${r.stderr || r.stdout}`);
        const metis = readMetisPartition(`${file}.part.${k}`, g.rows);
        const oursCut = edgeCut(g, ours.part);
        const metisCut = edgeCut(g, metis);
        const row: Row = {
          graph: name, nodes: g.rows, edges: g.indptr[g.rows] / 2, k, oursCut, metisCut, ratio: oursCut / metisCut,
          oursImbalance: imbalance(ours.part, k), metisImbalance: imbalance(metis, k),
          oursSeconds, metisSeconds: metisSeconds(r.stdout, wall), levels: ours.levelSizes,
        };
        rows.push(row);
        // progress (the synthetic graph takes minutes); the table follows once every graph is done
        console.error(`${name} k=${k}: cut ${oursCut} vs METIS ${metisCut} (ratio ${row.ratio.toFixed(3)})`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  console.log(formatTable(['graph', 'nodes', 'k', 'ours cut', 'metis cut', 'ratio', 'ours imb', 'metis imb', 'ours s', 'metis s'], rows.map((r) => [
    r.graph, String(r.nodes), String(r.k), String(r.oursCut), String(r.metisCut), r.ratio.toFixed(3),
    r.oursImbalance.toFixed(3), r.metisImbalance.toFixed(3), r.oursSeconds.toFixed(2), r.metisSeconds.toFixed(2),
  ])));
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify({ imbalance: imb, ufactor, seed, rows }, null, 2) + '\n');
  console.log(`wrote ${out}`);
}

exitOnHelp(import.meta.url);
main();
