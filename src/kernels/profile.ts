// Kernel profiling (FASTGNN_PROFILE=1): wall time and call count of every kernel call, printed when the process exits.

import type { Kernels } from './types.js';

export interface KernelTiming {
  kernel: string;
  calls: number;
  ms: number;
}

/** Whether FASTGNN_PROFILE is set (to anything but '' or '0'). */
export const profiling = process.env.FASTGNN_PROFILE !== undefined && process.env.FASTGNN_PROFILE !== '' && process.env.FASTGNN_PROFILE !== '0';

const totals = new Map<string, { calls: number; ms: number }>();
const wrapped = new WeakMap<Kernels, Kernels>();

/** GEMM calls are told apart by size, since small and large products take different routes. */
function gemmLabel(args: { m: number; n: number; k: number }): string {
  const work = args.m * args.n * args.k;
  return work < 1 << 21 ? 'gemm (m n k < 2^21)' : work < 1 << 27 ? 'gemm (< 2^27)' : 'gemm (>= 2^27)';
}

/** Adds one call of `ms` to `label`'s totals (kernels record themselves; other code may record its parts). */
export function record(label: string, ms: number): void {
  const t = totals.get(label);
  if (t) {
    t.calls++;
    t.ms += ms;
  } else totals.set(label, { calls: 1, ms });
}

/** `k` with every kernel timed into the process-wide totals (the same wrapper for the same kernel set). */
export function profiled(k: Kernels): Kernels {
  let p = wrapped.get(k);
  if (p) return p;
  const out: Record<string, unknown> = { name: k.name };
  for (const [name, fn] of Object.entries(k)) {
    if (typeof fn !== 'function') continue;
    const f = fn as (...args: unknown[]) => unknown;
    out[name] = (...args: unknown[]): unknown => {
      const t0 = performance.now();
      const r = f(...args);
      record(name === 'gemm' ? gemmLabel(args[0] as { m: number; n: number; k: number }) : name, performance.now() - t0);
      return r;
    };
  }
  p = out as unknown as Kernels;
  wrapped.set(k, p);
  return p;
}

/** The totals so far, most time first. */
export function kernelTimings(): KernelTiming[] {
  return [...totals].map(([kernel, t]) => ({ kernel, calls: t.calls, ms: t.ms })).sort((a, b) => b.ms - a.ms);
}

export function resetKernelTimings(): void {
  totals.clear();
}

/** The totals as a table, with the process's wall time since start-up for scale. */
export function formatKernelTimings(): string {
  const rows = kernelTimings();
  const sum = rows.reduce((s, r) => s + r.ms, 0);
  const lines = [`kernel profile (FASTGNN_PROFILE): ${sum.toFixed(0)} ms in kernels of ${performance.now().toFixed(0)} ms since start-up`];
  for (const r of rows) {
    lines.push(`  ${r.kernel.padEnd(28)} ${String(r.calls).padStart(8)} calls ${r.ms.toFixed(1).padStart(10)} ms ${(r.ms / r.calls * 1000).toFixed(1).padStart(10)} us/call`);
  }
  return lines.join('\n');
}
