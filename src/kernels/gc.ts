// Explicit garbage collection: kernel worker threads otherwise keep every shared buffer they were sent alive, and
// the main thread's small heap lets released arrays pile up between V8's own collections.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/* A job's arrays arrive as new views of SharedArrayBuffers; a shared backing store is freed only once no thread
 * refers to it. A kernel worker allocates almost nothing on its own heap, so V8 rarely collects it, and the views of
 * every buffer it was ever sent (dropout masks, per-batch activations) stayed reachable: a 1M-node IBMB run grew by
 * GiBs per epoch. A full collection of this tiny heap takes about a millisecond, so it runs whenever the jobs since
 * the last one have referenced GC_AFTER_BYTES. */
const GC_AFTER_BYTES = 256 * 2 ** 20;

setFlagsFromString('--expose-gc');
const collect = runInNewContext('gc') as () => void;
let referenced = 0;

/** Bytes of the typed arrays a job holds (nested objects such as a CSR matrix included). */
export function jobBytes(job: object): number {
  let bytes = 0;
  for (const v of Object.values(job)) {
    if (ArrayBuffer.isView(v)) bytes += v.byteLength;
    else if (v !== null && typeof v === 'object') bytes += jobBytes(v as object);
  }
  return bytes;
}

/** A full collection now (about a millisecond on fastgnn's small heaps). Training loops call it after epochs long
 *  enough for that to be noise: the arrays an epoch released (batch activations, masks, evaluation working sets) are
 *  otherwise freed only when V8 decides to, and on a 1M-node graph they reached GiBs. */
export function collectGarbage(): void {
  collect();
}

/** Counts a finished job's arrays and collects garbage once enough have passed through since the last collection. */
export function afterJob(job: object): void {
  referenced += jobBytes(job);
  if (referenced >= GC_AFTER_BYTES) {
    referenced = 0;
    collect();
  }
}
