// The CSR row helper every sparse kernel module shares (AssemblyScript).

/** Index of row i's first entry in arrays stored from entry e0 (a matrix sliced from e0 = indptr[0]). */
// @ts-ignore: decorator
@inline export function rowStart(indptr: usize, i: i32, e0: i32): i32 {
  return load<i32>(indptr + (<usize>i << 2)) - e0;
}
