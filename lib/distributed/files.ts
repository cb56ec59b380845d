/**
 * Writing shard outputs: atomically (a temporary file renamed over the target, so a killed
 * writer never leaves a file that counts), and optionally not at all when the file already holds
 * exactly those bytes (reruns change nothing).
 * @module
 */
import * as fs from 'node:fs';
import { writeAtomically } from '../runtime/atomic-file';
import { readWholeFile, writeChunks } from '../runtime/file-io';

/** Writes `value` as JSON (`JSON.stringify`) to `file` atomically. */
export async function writeJsonAtomically(file: string, value: unknown, keepSame = false): Promise<void> {
  await writeBytesAtomically(file, JSON.stringify(value), keepSame);
}

/**
 * Writes `data` to `file` atomically; with `keepSame`, leaves a `file` that already holds
 * exactly `data` untouched (a rerun then changes nothing, not even the modification time).
 */
export async function writeBytesAtomically(file: string, data: string | Uint8Array, keepSame = false): Promise<void> {
  if (keepSame) {
    const want = typeof data === 'string' ? Buffer.from(data) : data;
    const have = await readWholeFile(file, Error).catch(() => undefined);
    if (have && Buffer.compare(have, want) === 0) return;
  }
  await writeAtomically(file, (tmp) => (typeof data === 'string' ? fs.promises.writeFile(tmp, data) : writeChunks(tmp, [data])));
}

