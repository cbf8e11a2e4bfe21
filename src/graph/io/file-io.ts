// Binary file plumbing shared by the .fgnn format and the batch cache: 64-byte alignment, a word checksum,
// reads and writes of any size, and atomic replacement through a temporary file.

import * as fs from 'node:fs';
import * as path from 'node:path';

/** Both formats place every array at a multiple of this many bytes. */
export const ALIGN = 64;
/** largest single read or write; fs.readSync / writeSync cannot move 2 GiB or more at once */
const CHUNK = 1 << 30;

export const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

export function bytesOf(a: ArrayBufferView): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

/** 32-bit FNV-1a over 32-bit words in platform (little-endian) order, fed in 4-byte-aligned pieces whose lengths
 *  are multiples of 4 bytes (a shorter tail is not hashed). */
export class WordHash {
  h = 0x811c9dc5;
  update(bytes: Uint8Array): void {
    const w = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
    let h = this.h;
    for (let i = 0; i < w.length; i++) h = Math.imul(h ^ w[i], 0x01000193);
    this.h = h >>> 0;
  }
}

/** WordHash of one typed array's bytes. */
export function wordChecksum(a: Int32Array | Float32Array | Float64Array): number {
  const h = new WordHash();
  h.update(bytesOf(a));
  return h.h;
}

/** Fills `into` from `fd` starting at byte `at`; when the file ends first, throws truncated(bytes still missing). */
export function readFully(fd: number, into: Uint8Array, at: number, truncated: (missing: number) => string): void {
  for (let done = 0; done < into.length;) {
    const got = fs.readSync(fd, into, done, Math.min(CHUNK, into.length - done), at + done);
    if (got === 0) throw new Error(truncated(into.length - done));
    done += got;
  }
}

/** Writes all of `bytes` to `fd` at byte `at`. */
export function writeFully(fd: number, bytes: Uint8Array, at: number): void {
  for (let done = 0; done < bytes.length;) done += fs.writeSync(fd, bytes, done, Math.min(CHUNK, bytes.length - done), at + done);
}

/** Replaces `file` atomically: `body` writes a temporary file next to it (`.<name>.tmp-<pid>-<ms>`), which is
 *  fsynced and renamed over `file`, then the folder is fsynced (best effort), so an interrupted write leaves any
 *  previous file intact. On failure the temporary file is removed and the error, passed through `wrap` when
 *  given (not for failing to create the temporary file), rethrown. */
export function writeAtomically(file: string, body: (fd: number) => void, wrap?: (e: Error) => Error): void {
  const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}-${Date.now()}`);
  const fd = fs.openSync(tmp, 'w');
  let open = true;
  try {
    body(fd);
    fs.fsyncSync(fd);
    open = false;
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (e) {
    if (open) try { fs.closeSync(fd); } catch { /* nothing more to do */ }
    try { fs.unlinkSync(tmp); } catch { /* already gone */ }
    throw wrap ? wrap(e as Error) : e;
  }
  try { // make the rename itself durable; not every platform can fsync a folder
    const dfd = fs.openSync(path.dirname(path.resolve(file)), 'r');
    try { fs.fsyncSync(dfd); } finally { fs.closeSync(dfd); }
  } catch { /* best effort */ }
}
