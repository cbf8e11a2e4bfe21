// Thread-count validation shared by every thread setting: setThreads, FASTGNN_THREADS and the PPR workers.

/** The largest thread count accepted. A fixed number rather than a multiple of this machine's cores, so a setting
 *  that works on one machine works on every other; counts above the core count are allowed (slower, never wrong:
 *  results do not depend on the thread count, and tests check exactly that on small machines). 256 bounds the cost
 *  of a mistake: every thread is a worker with its own JavaScript heap (~10 MiB each before any work). */
export const MAX_THREADS = 256;

function shown(n: unknown): string {
  return typeof n === 'number' ? String(n) : JSON.stringify(n) ?? String(n);
}

/** Returns n when it is an integer in [1, MAX_THREADS]; otherwise throws naming `what` and the value given. */
export function checkThreadCount(n: unknown, what: string): number {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > MAX_THREADS) {
    throw new RangeError(`${what} must be an integer from 1 to ${MAX_THREADS}, got ${shown(n)}`);
  }
  return n;
}

/** A thread count from text (an environment variable): undefined when unset or empty, else a plain decimal integer
 *  in [1, MAX_THREADS] (surrounding spaces allowed); anything else ('abc', '2.5', '0x4', '-1', '0') throws. */
export function parseThreadCount(text: string | undefined, what: string): number | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const t = text.trim();
  const n = Number(t);
  if (!/^[0-9]+$/.test(t) || n < 1 || n > MAX_THREADS) throw new RangeError(`${what} must be an integer from 1 to ${MAX_THREADS}, got '${text}'`);
  return n;
}
