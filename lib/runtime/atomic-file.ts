/**
 * Writing a file atomically: to a temporary file in the target's directory, renamed over the
 * target once complete, so a reader (or an interrupted writer) never sees a partial file.
 * The one implementation behind `.cov` state files and every CLI output.
 * @module
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeChunksSync } from './file-io';

/** A fresh temporary path next to `target` (same directory, so the rename is atomic). */
export function temporaryPath(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`);
}

/**
 * Writes `target` through `write(tmp)` (which creates the file `tmp`), then renames it over
 * `target`; on failure removes `tmp`. `track(tmp, true)` / `track(tmp, false)` bracket the time
 * the temporary file may exist (for cleanup on signals).
 */
export async function writeAtomically(target: string, write: (tmp: string) => Promise<void>, track?: (tmp: string, active: boolean) => void): Promise<void> {
  const tmp = temporaryPath(target);
  track?.(tmp, true);
  try {
    await write(tmp);
    await fs.promises.rename(tmp, target);
  } catch (error) {
    await fs.promises.rm(tmp, { force: true });
    throw error;
  } finally {
    track?.(tmp, false);
  }
}

/** Synchronous {@link writeAtomically} of `data`. */
export function writeAtomicallySync(target: string, data: string | Uint8Array): void {
  const tmp = temporaryPath(target);
  try {
    if (typeof data === 'string') fs.writeFileSync(tmp, data);
    else writeChunksSync(tmp, [data]);
    fs.renameSync(tmp, target);
  } catch (error) {
    fs.rmSync(tmp, { force: true });
    throw error;
  }
}
