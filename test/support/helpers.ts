/**
 * Small helpers shared by the API tests: dense coefficients from the sparse result,
 * certificates recomputed with the independent reference (./reference-lasso.ts),
 * tolerant and bitwise comparisons, synthetic covariances.
 */
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import type { SparseColumns } from '../../lib';
import { dualityGap, objectiveOf, randomLogits, secondMoment, targetProblem, gaussian } from './reference-lasso';

/** Dense coefficient vector (length coef.rows) of column k of a sparse result. */
export function denseBeta(coef: SparseColumns, k: number): Float64Array {
  const beta = new Float64Array(coef.rows);
  for (let q = coef.indptr[k]; q < coef.indptr[k + 1]; q++) beta[coef.indices[q]] += coef.values[q];
  return beta;
}

/** Objective and duality gap recomputed from scratch (reference formulas) for column k. */
export function recompute(S: Float64Array, c: number, target: number, lambda: number, coef: SparseColumns, k: number): { objective: number; gap: number; d: number; beta: Float64Array } {
  const beta = denseBeta(coef, k);
  const { s, d } = targetProblem(S, c, target);
  return {
    objective: objectiveOf(S, c, s, d, lambda, beta),
    gap: dualityGap(S, c, s, d, lambda, beta, target),
    d,
    beta,
  };
}

/** The `code` of the error `call` throws (undefined when it throws none or an uncoded one). */
export function codeOf(call: () => unknown): string | undefined {
  try {
    call();
  } catch (error) {
    return (error as { code?: string }).code;
  }
  return undefined;
}

/** Byte-for-byte equality of two typed arrays (distinguishes -0/0 and NaN payloads). */
export function sameBytes(a: ArrayBufferView, b: ArrayBufferView): boolean {
  if (a.byteLength !== b.byteLength) return false;
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false;
  return true;
}

/**
 * Largest entrywise error of a covariance-like matrix `got` against `want` (both rows x cols),
 * each entry scaled by sqrt(scaleRow[a] * scaleCol[b]) (e.g. the diagonals, the natural scale
 * of entry (a, b) by Cauchy–Schwarz). Returns the worst scaled error.
 */
export function scaledMaxError(got: Float64Array, want: Float64Array, rows: number, cols: number, scaleRow: Float64Array, scaleCol: Float64Array): number {
  let worst = 0;
  for (let a = 0; a < rows; a++) {
    for (let b = 0; b < cols; b++) {
      const scale = Math.sqrt(scaleRow[a] * scaleCol[b]) || 1;
      const e = Math.abs(got[a * cols + b] - want[a * cols + b]) / scale;
      if (!(e <= worst)) worst = Number.isNaN(e) ? Infinity : e;
    }
  }
  return worst;
}

/** Diagonal of a square matrix. */
export function diag(S: Float64Array, c: number): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < c; i++) out[i] = S[i * c + i];
  return out;
}

/** Mean of |x_a|² per column of row-major X (n x c), in float64: the second-moment scale. */
export function columnSquares(X: Float32Array | Float64Array, n: number, c: number): Float64Array {
  const out = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let j = 0; j < c; j++) out[j] += X[i * c + j] * X[i * c + j];
  for (let j = 0; j < c; j++) out[j] /= n;
  return out;
}

/** Naive float64 cross moment X'Y / n (p x q), optionally centered with divisor n - ddof. */
export function naiveCross(X: Float32Array | Float64Array, Y: Float32Array | Float64Array, n: number, p: number, q: number, center = false, ddof = 0): Float64Array {
  const mx = new Float64Array(p);
  const my = new Float64Array(q);
  if (center) {
    for (let i = 0; i < n; i++) {
      for (let a = 0; a < p; a++) mx[a] += X[i * p + a];
      for (let b = 0; b < q; b++) my[b] += Y[i * q + b];
    }
    for (let a = 0; a < p; a++) mx[a] /= n;
    for (let b = 0; b < q; b++) my[b] /= n;
  }
  const out = new Float64Array(p * q);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < p; a++) {
      const xa = X[i * p + a] - mx[a];
      for (let b = 0; b < q; b++) out[a * q + b] += xa * (Y[i * q + b] - my[b]);
    }
  }
  const div = center ? n - ddof : n;
  for (let k = 0; k < out.length; k++) out[k] /= div;
  return out;
}

/** A second-moment covariance of random singular logits (c categories, head width `rank`). */
export function randomCovariance(n: number, c: number, seed: number, rank = c): Float64Array {
  return secondMoment(randomLogits(n, c, seed, { rank }), n, c);
}

/**
 * A C x C PSD matrix S = AᵀA / r + tiny diagonal, A (r x C) Gaussian: a cheap stand-in for
 * the second moment of a width-r linear head on many categories (rank r + the diagonal).
 */
export function lowRankCovariance(c: number, r: number, seed: number, ridge = 0): Float64Array {
  const g = gaussian(seed);
  const A = new Float64Array(r * c);
  for (let i = 0; i < A.length; i++) A[i] = g();
  const S = new Float64Array(c * c);
  for (let k = 0; k < r; k++) {
    for (let a = 0; a < c; a++) {
      const x = A[k * c + a] / r;
      if (x === 0) continue;
      for (let b = a; b < c; b++) S[a * c + b] += x * A[k * c + b];
    }
  }
  for (let a = 0; a < c; a++) {
    S[a * c + a] += ridge;
    for (let b = 0; b < a; b++) S[a * c + b] = S[b * c + a];
  }
  return S;
}

/** Repository root (two levels above test/support). */
export const repoRoot = path.resolve(__dirname, '..', '..');

/**
 * The compiled CommonJS entry that worker/ESM tests load. The tests build nothing themselves:
 * run `npm run build:ts` (or `npm ci`, which runs it via `prepare`) before `npm test`.
 */
export function compiledEntry(kind: 'cjs' | 'esm'): string {
  const file = path.join(repoRoot, 'dist', kind, kind === 'cjs' ? 'index.js' : 'index.mjs');
  if (!fs.existsSync(file)) {
    throw new Error(`${file} is missing: run \`npm run build:ts\` before \`npm test\` (npm ci does it through prepare)`);
  }
  return file;
}

/** max |got − want| / max |want|: the error relative to the largest reference entry. */
export function relErr(got: ArrayLike<number>, want: ArrayLike<number>): number {
  let err = 0;
  let scale = 0;
  for (let i = 0; i < want.length; i++) {
    err = Math.max(err, Math.abs(got[i] - want[i]));
    scale = Math.max(scale, Math.abs(want[i]));
  }
  return err / scale;
}

/**
 * Runs the compiled `covlasso` CLI (dist/cjs/cli/main.js) with the given arguments. No timeout
 * of its own (a slow machine must not fail a test): the test files that use it set a generous
 * per-test timeout (CLI_TEST_TIMEOUT).
 */
export function runCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const bin = path.resolve(__dirname, '..', '..', 'dist', 'cjs', 'cli', 'main.js');
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Per-test timeout (ms) of tests that run child processes (jest.setTimeout in those files). */
export const CHILD_PROCESS_TEST_TIMEOUT = 1_800_000;

/** The Python the numpy cross-checks run (the system one, where CI installs python3-numpy). */
export const PYTHON = '/usr/bin/python3';

/** True when {@link PYTHON} can import numpy (the numpy cross-checks skip cleanly otherwise). */
export function numpyAvailable(): boolean {
  return spawnSync(PYTHON, ['-c', 'import numpy'], { stdio: 'ignore' }).status === 0;
}

/** A report's JSON as `covlasso deps --out` writes it: `format` and `version` first (lib/runtime/json-formats.ts). */
export function stamped(json: string, format = 'covlasso-deps'): string {
  return JSON.stringify({ format, version: 1, ...JSON.parse(json) });
}
