// Which GEMM the FASTGNN_BLAS environment variable asks for (native BLAS, WebAssembly SIMD or TypeScript).

/* FASTGNN_BLAS, read when a GEMM is first chosen (start-up):
 *   unset, auto, openblas, native, true, yes, on
 *                          native BLAS when it loads (and is not netlib), else wasm-simd, else TypeScript
 *   1, force               the same, but use nblas even when it is linked to the slow netlib reference BLAS
 *   wasm                   never load native BLAS: the WebAssembly SIMD GEMM (TypeScript if it cannot load)
 *   0, false, off, no, ts, typescript
 *                          the TypeScript GEMM (gemm-ts) only */
export type GemmChoice = 'auto' | 'native-any' | 'wasm' | 'typescript';

const CHOICES = new Map<string, GemmChoice>([
  ...['', 'auto', 'openblas', 'native', 'true', 'yes', 'on'].map((v) => [v, 'auto'] as const),
  ...['1', 'force'].map((v) => [v, 'native-any'] as const),
  ['wasm', 'wasm'],
  ...['0', 'false', 'off', 'no', 'ts', 'typescript'].map((v) => [v, 'typescript'] as const),
]);

/** The GEMM FASTGNN_BLAS asks for; throws on a value it does not know. */
export function gemmChoice(): GemmChoice {
  const raw = process.env.FASTGNN_BLAS ?? '';
  const choice = CHOICES.get(raw.trim().toLowerCase());
  if (choice === undefined) {
    throw new Error(`FASTGNN_BLAS must be one of auto, openblas, 1, wasm, ts or 0 (or unset), got '${raw}'`);
  }
  return choice;
}
