// Seeded pseudo-random generator (xoshiro128**, seeded by splitmix32): every random choice in fastgnn takes one.

function splitmix32(state: { s: number }): number {
  state.s = (state.s + 0x9e3779b9) | 0;
  let z = state.s;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** A generator's whole state: its four 32-bit words and the cached second normal (NaN when none). */
export type RngState = readonly [number, number, number, number, number];

/** Deterministic across runs and platforms (32-bit integer arithmetic only).
 *  `fork(stream)` derives an independent generator from this one's seed and a stream id, without consuming
 *  from this generator, so forked streams do not depend on how many numbers the parent has drawn. */
export class Rng {
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private spare: number | undefined;
  readonly seed: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new Error(`Rng: seed must be a finite number, got ${seed}`);
    this.seed = seed;
    const st = { s: (Math.trunc(seed) ^ Math.trunc(seed / 0x100000000)) | 0 };
    this.a = splitmix32(st);
    this.b = splitmix32(st);
    this.c = splitmix32(st);
    this.d = splitmix32(st);
    if ((this.a | this.b | this.c | this.d) === 0) this.a = 1;
  }

  /** Next raw 32-bit unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.b, 5), 7), 9) >>> 0;
    const t = this.b << 9;
    this.c ^= this.a;
    this.d ^= this.b;
    this.b ^= this.c;
    this.a ^= this.d;
    this.c ^= t;
    this.d = rotl(this.d, 11);
    return result;
  }

  /** Uniform in [0, 1) with 32 bits of resolution. */
  next(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform integer in [0, n), n a positive integer <= 2^32 (unbiased, by rejection). */
  nextInt(n: number): number {
    if (!Number.isInteger(n) || n <= 0 || n > 4294967296) {
      throw new Error(`Rng.nextInt: n must be an integer in [1, 2^32], got ${n}`);
    }
    const limit = 4294967296 - (4294967296 % n);
    let x = this.nextU32();
    while (x >= limit) x = this.nextU32();
    return x % n;
  }

  /** Standard normal N(0, 1) (Box-Muller, the second value is cached). */
  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = this.next();
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T extends Int32Array | Uint32Array | Float32Array | Float64Array>(arr: T): T {
    for (let i = arr.length - 1; i > 0; i--) {
      const j = this.nextInt(i + 1);
      const t = arr[i];
      arr[i] = arr[j];
      arr[j] = t;
    }
    return arr;
  }

  /** The current state, to continue this stream later with setState (checkpoints of training runs). */
  state(): RngState {
    return [this.a, this.b, this.c, this.d, this.spare ?? NaN];
  }

  /** Continues the stream from a state that state() returned (the seed, and so fork(), are unchanged). */
  setState(s: RngState): void {
    const word = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= -0x80000000 && (x as number) < 0x100000000;
    if (!Array.isArray(s) || s.length !== 5 || !s.slice(0, 4).every(word) || (s[0] | s[1] | s[2] | s[3]) === 0 || typeof s[4] !== 'number') {
      throw new Error(`Rng.setState: expected [a, b, c, d, spare]: four 32-bit integers not all 0 and a number (NaN: none), got ${JSON.stringify(s)}`);
    }
    [this.a, this.b, this.c, this.d] = s;
    this.spare = Number.isNaN(s[4]) ? undefined : s[4];
  }

  /** Independent generator for stream id `stream` (a non-negative integer). */
  fork(stream: number): Rng {
    if (!Number.isInteger(stream) || stream < 0) {
      throw new Error(`Rng.fork: stream must be a non-negative integer, got ${stream}`);
    }
    const hi = Math.trunc(this.seed / 0x100000000) | 0;
    const st = { s: (Math.trunc(this.seed) | 0) ^ Math.imul(hi, 0x165667b1) ^ Math.imul(stream + 1, 0x27d4eb2d) };
    splitmix32(st);
    return new Rng(splitmix32(st));
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Accepts a seed or a generator and returns a generator. */
export function toRng(seedOrRng: number | Rng): Rng {
  return typeof seedOrRng === 'number' ? new Rng(seedOrRng) : seedOrRng;
}
