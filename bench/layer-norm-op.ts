// The layerNorm op end to end (src/tensor/ops.ts, and its backward rule) on 200000 x 256 float32 values: 5 forward calls
// on the tape, 5 backward rules and 5 forward calls off the tape, each call timed, for this build or another one's dist/.

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { argFlag, argValue, exitOnHelp } from './lib/measure.js';

/* Run: node dist/bench/layer-norm-op.js [--root DIR] [--arena]
 * --root: a checkout whose dist/ to time (built there; default this one), e.g. an older commit's worktree: the op and
 * the backward rule have had the same signatures since before the LayerNorm kernels, so both sides run this script.
 * --arena: inside a training arena (its arrays in the wasm heap, recycled from call to call, as training has them);
 * without it every call gets fresh ordinary arrays (their page faults included). FASTGNN_THREADS sets the threads. */

type Tensor = import('../src/tensor/tensor.js').Tensor;

async function main(): Promise<void> {
  const root = pathToFileURL(`${resolve(argValue('root') ?? new URL('../..', import.meta.url).pathname)}/dist/src/`).href;
  const load = async <T>(path: string): Promise<T> => (await import(root + path)) as T;
  const { layerNorm } = await load<typeof import('../src/tensor/ops.js')>('tensor/ops.js');
  const { BACKWARD } = await load<typeof import('../src/tensor/grad-rules.js')>('tensor/grad-rules.js');
  const { Tensor } = await load<typeof import('../src/tensor/tensor.js')>('tensor/tensor.js');
  const { noGrad } = await load<typeof import('../src/tensor/tape.js')>('tensor/tape.js');
  const { Arena, withArena } = await load<typeof import('../src/tensor/arena.js')>('tensor/arena.js');
  const [m, n] = [200_000, 256];
  const arena = argFlag('arena') ? new Arena() : null;
  let s = 1;
  const values = new Float32Array(m * n).map(() => ((s = (Math.imul(s, 48271) + 11) >>> 0) / 2 ** 32) * 4 - 1);
  const gradient = values.map((_, i) => values[(i * 7919) % values.length] / 2);
  const param = (v: number): Tensor => new Tensor(new Float32Array(n).fill(v), [n], true);
  const [weight, bias] = [param(1.1), param(0.1)];
  const filled = (from: Float32Array): Tensor => {
    const t = Tensor.zeros([m, n]);
    t.data.set(from);
    return t;
  };
  const times: Record<'forward' | 'backward' | 'evaluation', number[]> = { forward: [], backward: [], evaluation: [] };
  const timed = <T>(what: keyof typeof times, f: () => T): T => {
    const t0 = performance.now();
    const r = f();
    times[what].push(performance.now() - t0);
    return r;
  };
  for (let call = 0; call < 5; call++) {
    const step = (): void => {
      const x = new Tensor(filled(values).data, [m, n], true);
      const g = filled(gradient);
      const y = timed('forward', () => layerNorm(x, weight, bias));
      if (!y.node || y.node.prim !== 'layerNorm') throw new Error('layerNorm: no tape node');
      timed('backward', () => BACKWARD.layerNorm(y.node as Parameters<typeof BACKWARD.layerNorm>[0], y, g.data, [true, true, true]));
      timed('evaluation', () => noGrad(() => layerNorm(new Tensor(x.data, [m, n]), weight, bias)));
    };
    if (arena) withArena(arena, step);
    else step();
  }
  const list = (xs: number[]): string => xs.map((t) => t.toFixed(0)).join(' ');
  console.log(`${root}: ${m} x ${n}, ${arena ? 'arena (heap) arrays' : 'fresh ordinary arrays'}, threads ${process.env.FASTGNN_THREADS ?? 'default'}`);
  console.log(`forward ms: ${list(times.forward)} | backward ms: ${list(times.backward)} | evaluation forward ms: ${list(times.evaluation)}`);
}

exitOnHelp(import.meta.url);
await main();
