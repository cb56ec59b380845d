/**
 * The dependency regulariser: penalise a batch of logits for breaking (or keeping) learned
 * neural dependencies, R = Σ_i w_i · mean_n (f_ni − Σ_j β_ij f_nj − c_i)², with its exact
 * gradient, for use in a training loop (Float32Array in, Float32Array out; float64 inside).
 * @module
 */
import { CovlassoRangeError } from '../runtime/errors';
import type { DependencyLike } from './evaluate';

/** Options of {@link dependencyRegularizer}. */
export interface RegularizerOptions {
  /** Per-dependency weights w_i (default 1 each), in the order of the dependencies. */
  weights?: ArrayLike<number>;
}

/** A regulariser over batches of logits (rows × cols, row-major). */
export interface DependencyRegularizer {
  /** R of the batch. */
  value(batch: Float32Array | Float64Array, rows: number, cols: number): number;
  /** ∂R/∂batch (rows × cols, row-major Float32Array); `out` is reused when given. */
  gradient(batch: Float32Array | Float64Array, rows: number, cols: number, out?: Float32Array): Float32Array;
  /** R and its gradient in one pass. */
  valueAndGradient(batch: Float32Array | Float64Array, rows: number, cols: number, out?: Float32Array): {
    /** R of the batch. */
    value: number;
    /** ∂R/∂batch, rows × cols row-major (in `out` when given). */
    gradient: Float32Array;
  };
}

/**
 * Builds the regulariser R(F) = Σ_i w_i · (1/N) Σ_n (F[n,t_i] − Σ_j β_ij F[n,j] − c_i)² from
 * within-model dependencies (a report or its `targets`); c_i is the dependency's intercept (0
 * when absent). Gradient: ∂R/∂F[n,k] = Σ_i (2 w_i / N) r_ni (δ_{k,t_i} − β_ik).
 * @example
 * const reg = dependencyRegularizer(report, { weights });
 * const { value, gradient } = reg.valueAndGradient(batchLogits, 64, 1000);
 */
export function dependencyRegularizer(deps: readonly DependencyLike[] | { targets: readonly DependencyLike[] }, options: RegularizerOptions = {}): DependencyRegularizer {
  const list = Array.isArray(deps) ? (deps as readonly DependencyLike[]) : (deps as { targets: readonly DependencyLike[] }).targets;
  const weights = options.weights ? Float64Array.from(options.weights) : new Float64Array(list.length).fill(1);
  if (weights.length !== list.length) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `${weights.length} weights for ${list.length} dependencies`);
  const items = list.map((d) => ({ t: d.target, src: Int32Array.from(d.sources), coef: Float64Array.from(d.coef), c: d.intercept ?? 0 }));
  const check = (batch: Float32Array | Float64Array, rows: number, cols: number): void => {
    if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || batch.length !== rows * cols) {
      throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `batch of ${batch.length} values is not ${rows}×${cols}`);
    }
    for (const it of items) {
      if (it.t >= cols || it.src.some((j) => j >= cols)) throw new CovlassoRangeError('ERR_COVLASSO_TARGET_OUT_OF_RANGE', `a dependency refers to a category ≥ ${cols}`);
    }
  };
  const run = (batch: Float32Array | Float64Array, rows: number, cols: number, grad?: Float32Array): number => {
    check(batch, rows, cols);
    let total = 0;
    const g64 = grad ? new Float64Array(rows * cols) : undefined;
    for (let i = 0; i < items.length; i++) {
      const { t, src, coef, c } = items[i];
      const w = weights[i];
      let sum = 0;
      for (let n = 0; n < rows; n++) {
        const base = n * cols;
        let r = batch[base + t] - c;
        for (let q = 0; q < src.length; q++) r -= coef[q] * batch[base + src[q]];
        sum += r * r;
        if (g64) {
          const f = (2 * w * r) / rows;
          g64[base + t] += f;
          for (let q = 0; q < src.length; q++) g64[base + src[q]] -= f * coef[q];
        }
      }
      total += (w * sum) / rows;
    }
    if (grad && g64) {
      if (grad.length !== rows * cols) throw new CovlassoRangeError('ERR_COVLASSO_SHAPE_MISMATCH', `gradient buffer holds ${grad.length}, needs ${rows * cols}`);
      grad.set(g64);
    }
    return total;
  };
  return {
    value: (batch, rows, cols) => run(batch, rows, cols),
    gradient: (batch, rows, cols, out) => {
      const g = out ?? new Float32Array(rows * cols);
      run(batch, rows, cols, g);
      return g;
    },
    valueAndGradient: (batch, rows, cols, out) => {
      const g = out ?? new Float32Array(rows * cols);
      return { value: run(batch, rows, cols, g), gradient: g };
    },
  };
}
