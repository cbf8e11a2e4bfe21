// How a kernel's units (rows, columns, parts) are divided between threads: ranges of about equal work.

/** Row boundaries that give each of `parts` ranges about the same number of stored entries. */
export function splitRows(indptr: Int32Array, rows: number, parts: number): number[] {
  const bounds = [0];
  const [first, total] = [indptr[0], indptr[rows] - indptr[0]];
  for (let p = 1; p < parts; p++) {
    const target = first + (total * p) / parts;
    let lo = bounds[p - 1];
    let hi = rows;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (indptr[mid] < target) lo = mid + 1;
      else hi = mid;
    }
    bounds.push(lo);
  }
  bounds.push(rows);
  return bounds;
}

/** Boundaries of `parts` equal ranges of [0, n). */
export function splitEvenly(n: number, parts: number): number[] {
  return Array.from({ length: parts + 1 }, (_, t) => Math.floor((n * t) / parts));
}

/** Boundaries of `threads` ranges of units that start and end only at the given unit bounds (`at`, from 0 to the
 *  unit count: each thread takes whole groups), with about equal work by `balance` (an indptr over the units), or
 *  by unit counts without it. */
export function splitAtBounds(at: ArrayLike<number>, threads: number, balance?: Int32Array): number[] {
  const work = Int32Array.from(at, (u) => (balance ? balance[u] : u));
  return splitRows(work, at.length - 1, threads).map((g) => at[g]);
}

/** Unit boundaries of `threads` ranges of a phase of `units` units (a wasm kernel phase, wasm-job.ts): at its
 *  `splitAt` bounds when it has them, else by its `balance` (an indptr over the units), else evenly. */
export function phaseBounds(p: { units: number; balance?: Int32Array; splitAt?: Int32Array }, threads: number): number[] {
  if (p.splitAt) return splitAtBounds(p.splitAt, threads, p.balance);
  return p.balance ? splitRows(p.balance, p.units, threads) : splitEvenly(p.units, threads);
}
