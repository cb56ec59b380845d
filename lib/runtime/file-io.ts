/**
 * Whole-buffer file reads and writes of any size. Node's `fs` moves at most 2 GiB − 1 bytes per
 * call (`fs.readFile` refuses larger files, `fs.writeSync`/`writeFileSync` throw a RangeError on
 * larger buffers), and a C = 20000 covariance or accumulator state is 3.2 GB: every covlasso
 * file goes through these loops instead, in steps of at most {@link MAX_IO} bytes.
 * @module
 */
import * as fs from 'node:fs';
import { allocate } from './typed';

/** Largest single read or write. */
export const MAX_IO = 2 ** 30;

/** Reads into `into` from `position` until it is full or the file ends; returns the bytes read. */
export function readFullySync(fd: number, into: Uint8Array, position: number, step = MAX_IO): number {
  let done = 0;
  while (done < into.length) {
    const bytesRead = fs.readSync(fd, into, done, Math.min(into.length - done, step), position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Asynchronous {@link readFullySync}. */
export async function readFully(fh: fs.promises.FileHandle, into: Uint8Array, position: number, step = MAX_IO): Promise<number> {
  let done = 0;
  while (done < into.length) {
    const { bytesRead } = await fh.read(into, done, Math.min(into.length - done, step), position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Writes all of `chunks`, one after another, from `position`; returns the position after them. */
export function writeFullySync(fd: number, chunks: readonly Uint8Array[], position = 0, step = MAX_IO): number {
  for (const chunk of chunks) {
    let done = 0;
    while (done < chunk.length) {
      const written = fs.writeSync(fd, chunk, done, Math.min(chunk.length - done, step), position);
      done += written;
      position += written;
    }
  }
  return position;
}

/** Asynchronous {@link writeFullySync}. */
export async function writeFully(fh: fs.promises.FileHandle, chunks: readonly Uint8Array[], position = 0, step = MAX_IO): Promise<number> {
  for (const chunk of chunks) {
    let done = 0;
    while (done < chunk.length) {
      const { bytesWritten } = await fh.write(chunk, done, Math.min(chunk.length - done, step), position);
      done += bytesWritten;
      position += bytesWritten;
    }
  }
  return position;
}

/** Creates (or truncates) `path` and writes `chunks` to it. */
export async function writeChunks(path: string, chunks: readonly Uint8Array[]): Promise<void> {
  const fh = await fs.promises.open(path, 'w');
  try {
    await writeFully(fh, chunks);
  } finally {
    await fh.close();
  }
}

/** Synchronous {@link writeChunks}. */
export function writeChunksSync(path: string, chunks: readonly Uint8Array[]): void {
  const fd = fs.openSync(path, 'w');
  try {
    writeFullySync(fd, chunks);
  } finally {
    fs.closeSync(fd);
  }
}

/** The class of the error for a file that ends before its size said (a constructor of a message). */
export type ShortReadError = new (message: string) => Error;

/** The error for `path` ending early, of class `error`. */
export function shortRead(path: string, error: ShortReadError): Error {
  return new error(`${path}: the file ended early (was it truncated while being read?)`);
}

/**
 * The bytes of a whole file (internal: the `.npy`, `.npz` and `.cov` readers) in one buffer, read
 * in steps of at most {@link MAX_IO}, so files over 2 GiB (which `fs.readFile` refuses) are read too.
 * @param error the class of the error for a file that shrinks while being read
 */
export async function readWholeFile(path: string, error: ShortReadError): Promise<Uint8Array> {
  const fh = await fs.promises.open(path, 'r');
  try {
    const bytes = allocate(Uint8Array, (await fh.stat()).size, `the contents of ${path}`);
    if ((await readFully(fh, bytes, 0)) < bytes.length) throw shortRead(path, error);
    return bytes;
  } finally {
    await fh.close();
  }
}

/** Synchronous twin of {@link readWholeFile} (internal). */
export function readWholeFileSync(path: string, error: ShortReadError): Uint8Array {
  const fd = fs.openSync(path, 'r');
  try {
    const bytes = allocate(Uint8Array, fs.fstatSync(fd).size, `the contents of ${path}`);
    if (readFullySync(fd, bytes, 0) < bytes.length) throw shortRead(path, error);
    return bytes;
  } finally {
    fs.closeSync(fd);
  }
}
