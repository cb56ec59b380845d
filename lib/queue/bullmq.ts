/**
 * Loading the optional peer dependency `bullmq` on first use, so that `covlasso` itself never
 * needs it and a missing install is one typed error saying what to do.
 * @module
 */
import type * as BullMQ from 'bullmq';
import { OptionalDependencyError } from '../runtime/errors';

/** The bullmq module, as `require('bullmq')` gives it. */
export type BullMQModule = typeof BullMQ;

let cached: BullMQModule | undefined;

/**
 * `require('bullmq')`, once.
 * @throws OptionalDependencyError (`ERR_COVLASSO_OPTIONAL_DEPENDENCY`) when bullmq is not
 *   installed: covlasso/queue needs `npm install bullmq ioredis` (optional peer dependencies;
 *   bullmq 6 no longer brings ioredis itself, and reports its absence when a connection is made)
 */
export function loadBullmq(): BullMQModule {
  if (cached) return cached;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    cached = require('bullmq') as BullMQModule;
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND' && /bullmq/.test(e.message)) {
      throw new OptionalDependencyError("covlasso/queue needs the optional peer dependencies bullmq and ioredis (and a Redis server): run `npm install bullmq ioredis`", error);
    }
    throw error;
  }
  return cached;
}
