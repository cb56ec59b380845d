/**
 * Issue #13: the fuzz harness for every parser of untrusted bytes, run for a bounded time on
 * every change (COVLASSO_FUZZ_SECONDS per target; .ci/run sets it), and the corpus of inputs
 * that ever broke a parser (test/fuzz/corpus/<target>/), replayed as regression tests. The
 * oracle (test/support/fuzz.ts): every input either parses or gives a typed CovlassoError,
 * never another exception and never a crash of the process.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import {
  CovarianceAccumulator,
  covarianceFromNpy,
  decodeAccumulatorState,
  encodeAccumulatorState,
  encodeNpy,
  Matrix,
  parseNpy,
  readNpyHeader,
  readNpyRows,
  readSafetensorsHeader,
  readTensor,
  resolveHead,
} from '../lib';
import type { AccumulatorState } from '../lib';
import { fuzz, FuzzTarget, fuzzSeconds, isTypedError } from './support/fuzz';
import { CHILD_PROCESS_TEST_TIMEOUT } from './support/helpers';
import { randomLogits } from './support/reference-lasso';
import { encodeSafetensors, f32 } from './support/safetensors';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'covlasso-fuzz-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));
let fileCounter = 0;
function tempFile(bytes: Uint8Array, ext: string): string {
  const file = path.join(work, `input-${fileCounter++ % 4}${ext}`);
  fs.writeFileSync(file, bytes);
  return file;
}

// --- Targets ---------------------------------------------------------------------------------

/** .npy bytes with a version-2/3 preamble (4-byte header length) instead of version 1's. */
function asVersion(npy: Uint8Array, major: 2 | 3): Uint8Array {
  const headerLength = npy[8] | (npy[9] << 8);
  const out = new Uint8Array(npy.length + 2);
  out.set(npy.subarray(0, 8), 0);
  out[6] = major;
  new DataView(out.buffer).setUint32(8, headerLength + 0, true);
  out.set(npy.subarray(10), 12);
  return out;
}

const npySeeds = [
  encodeNpy({ dtype: 'float32', shape: [6, 4], data: randomLogits(6, 4, 1, { float32: true }) }),
  encodeNpy({ dtype: 'float64', shape: [5, 3], data: randomLogits(5, 3, 2) }),
  encodeNpy({ dtype: 'float32', shape: [7], data: new Float32Array(7).fill(1.5) }),
];
npySeeds.push(asVersion(npySeeds[0], 2), asVersion(npySeeds[1], 3));

async function npyTarget(bytes: Uint8Array): Promise<void> {
  parseNpy(bytes);
  const file = tempFile(bytes, '.npy');
  const header = await readNpyHeader(file);
  const rows = header.shape[0] ?? 0;
  await readNpyRows(file, [0, Math.min(rows, 2)]);
  // The streamed covariance (the native path of the header crash), when its output is small.
  if (header.shape.length === 2 && header.shape[1] <= 256) await covarianceFromNpy(file, { maxMemory: 1 << 22 });
}

function accumulatorState(cross: boolean): AccumulatorState {
  const acc = cross ? new CovarianceAccumulator(3, 2) : new CovarianceAccumulator(4);
  const X = randomLogits(9, 4, 3);
  if (cross) acc.updateSync(new Matrix(9, 3, randomLogits(9, 3, 4)), { y: new Matrix(9, 2, randomLogits(9, 2, 5)) });
  else acc.updateSync(new Matrix(9, 4, X));
  return acc.toState();
}
const covSeeds = [encodeAccumulatorState(accumulatorState(false)), encodeAccumulatorState(accumulatorState(true))];

function covTarget(bytes: Uint8Array): void {
  const state = decodeAccumulatorState(bytes);
  CovarianceAccumulator.fromState(state).result({ center: true });
  CovarianceAccumulator.loadSync(tempFile(bytes, '.cov')).result();
}

/**
 * Mutations that get past the checksum: the fields and values of a decoded state, re-encoded
 * with a valid checksum, so that the loader's own validation (and the native accumulator's)
 * is what meets them.
 */
function covFieldsTarget(bytes: Uint8Array): void {
  const base = decodeAccumulatorState(covSeeds[bytes.length % covSeeds.length]);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const word = (k: number): number => (bytes.length >= 4 * (k + 1) ? view.getInt32(4 * k, true) : 0);
  const special = [NaN, Infinity, -Infinity, -1, 0, 1e308, -1e-300, 2 ** 53];
  const state: AccumulatorState = { ...base, shiftX: base.shiftX.slice(), sumX: base.sumX.slice(), moment: base.moment.slice() };
  if (bytes[0] & 1) state.count = word(1);
  if (bytes[0] & 2) state.colsX = word(2);
  if (bytes[0] & 4) state.symmetric = !state.symmetric;
  if (bytes[0] & 8) state.moment[Math.abs(word(3)) % state.moment.length] = special[Math.abs(word(4)) % special.length];
  if (bytes[0] & 16) state.sumX[Math.abs(word(5)) % state.sumX.length] = special[Math.abs(word(6)) % special.length];
  if (bytes[0] & 32) state.shiftX[0] = special[Math.abs(word(7)) % special.length];
  covTarget(encodeAccumulatorState(state));
}

const safetensorsSeeds = [
  encodeSafetensors({ 'head.weight': f32([3, 2], [1, 2, 3, 4, 5, 6]), 'head.bias': f32([3], [0.1, 0.2, 0.3]) }),
  encodeSafetensors({ 'fc.weight': f32([4, 2], [1, 0, 0, 1, 1, 1, 2, 2]) }, { format: 'pt' }),
];

async function safetensorsTarget(bytes: Uint8Array): Promise<void> {
  const file = tempFile(bytes, '.safetensors');
  const header = await readSafetensorsHeader(file);
  for (const name of [...header.tensors.keys()].slice(0, 3)) await readTensor(file, name);
  await resolveHead(file, { head: 'head.weight', embedding: 'fc.weight' });
}

const targets: FuzzTarget[] = [
  { name: 'npy', seeds: npySeeds, run: npyTarget },
  { name: 'cov', seeds: covSeeds, run: covTarget },
  { name: 'cov-fields', seeds: [Uint8Array.from({ length: 32 }, (_, i) => i * 37)], run: covFieldsTarget },
  { name: 'safetensors', seeds: safetensorsSeeds, run: safetensorsTarget },
];

// --- The seeds parse: the fuzzer starts from valid inputs -------------------------------------

describe('fuzz targets start from valid inputs', () => {
  it.each(targets)('$name: every seed parses', async (target) => {
    for (const seed of target.seeds) await target.run(seed);
  });
});

// --- The bounded fuzz run -------------------------------------------------------------------

describe(`fuzzing the parsers (${fuzzSeconds()} s per target, COVLASSO_FUZZ_SECONDS)`, () => {
  it.each(targets)(
    '$name: every mutated input parses or gives a typed error',
    async (target) => {
      const report = await fuzz(target);
      expect(report.findings).toEqual([]);
      expect(report.iterations).toBeGreaterThanOrEqual(50);
    },
    CHILD_PROCESS_TEST_TIMEOUT + fuzzSeconds() * 1000,
  );
});

// --- The corpus of inputs that once broke a parser ------------------------------------------

const corpusRoot = path.join(__dirname, 'fuzz', 'corpus');
const corpus = fs.readdirSync(corpusRoot).flatMap((dir) =>
  fs.readdirSync(path.join(corpusRoot, dir)).map((file) => ({ target: dir, file, expected: /\.(ERR_COVLASSO_[A-Z_]+)\./.exec(file)?.[1] })),
);

describe('the regression corpus (test/fuzz/corpus/<target>/<name>.<expected code>.<ext>)', () => {
  it('has an input for each parser crash of issue #13', () => {
    expect(corpus.map((c) => c.file).sort()).toEqual(expect.arrayContaining([
      expect.stringMatching(/^npy-v2-header-length-2gib/),
      expect.stringMatching(/^npy-v3-header-length-4gib/),
      expect.stringMatching(/^npy-nested-tuples-20000/),
      expect.stringMatching(/^cov-count-forged/),
      expect.stringMatching(/^cov-symmetric-forged/),
    ]));
  });

  it.each(corpus)('$target/$file gives $expected', async ({ target, file, expected }) => {
    const run = targets.find((t) => t.name === target)?.run;
    expect(run).toBeDefined();
    const bytes = fs.readFileSync(path.join(corpusRoot, target, file));
    let error: unknown = null;
    try {
      await run!(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength));
    } catch (e) {
      error = e;
    }
    expect(isTypedError(error)).toBe(true);
    expect((error as { code: string }).code).toBe(expected);
  });
});
