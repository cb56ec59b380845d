/**
 * A plain reference for the general CovLasso (positive, penalty factors, elastic net):
 * cyclic coordinate descent over every coordinate, no working sets or extrapolation, run to
 * a tiny change. Independent of the native solver; slow, for small problems only.
 */

/** The penalty of the general problem (see native/core/lasso_penalty.hpp). */
export interface GeneralPenalty {
  lambda: number;
  l1Ratio?: number;
  weights?: ArrayLike<number>;
  positive?: boolean;
  exclude?: number;
}

/** P(β) = ½(d − 2βᵀs + βᵀGβ) + λ·l1Ratio·Σ w_j|β_j| + ½·λ·(1 − l1Ratio)·‖β‖². */
export function generalObjective(G: Float64Array, p: number, s: Float64Array, d: number, pen: GeneralPenalty, beta: ArrayLike<number>): number {
  const l1 = pen.lambda * (pen.l1Ratio ?? 1);
  const l2 = pen.lambda * (1 - (pen.l1Ratio ?? 1));
  let quad = 0;
  let lin = 0;
  let a1 = 0;
  let a2 = 0;
  for (let i = 0; i < p; i++) {
    lin += beta[i] * s[i];
    a1 += (pen.weights ? pen.weights[i] : 1) * Math.abs(beta[i]);
    a2 += beta[i] * beta[i];
    for (let j = 0; j < p; j++) quad += beta[i] * G[i * p + j] * beta[j];
  }
  return 0.5 * (d - 2 * lin + quad) + l1 * a1 + 0.5 * l2 * a2;
}

/** Cyclic coordinate descent to convergence (max coordinate change ≤ 1e-14 · scale). */
export function referenceGeneral(G: Float64Array, p: number, s: Float64Array, d: number, pen: GeneralPenalty, maxSweeps = 200000): Float64Array {
  const l1 = pen.lambda * (pen.l1Ratio ?? 1);
  const l2 = pen.lambda * (1 - (pen.l1Ratio ?? 1));
  const beta = new Float64Array(p);
  for (let sweep = 0; sweep < maxSweeps; sweep++) {
    let largest = 0;
    for (let j = 0; j < p; j++) {
      if (j === pen.exclude || G[j * p + j] + l2 <= 0) continue;
      let z = s[j];
      for (let k = 0; k < p; k++) if (k !== j) z -= G[j * p + k] * beta[k];
      const t = l1 * (pen.weights ? pen.weights[j] : 1);
      let v = 0;
      if (z > t) v = z - t;
      else if (z < -t && !pen.positive) v = z + t;
      v /= G[j * p + j] + l2;
      largest = Math.max(largest, Math.abs(v - beta[j]));
      beta[j] = v;
    }
    if (largest <= 1e-14) break;
  }
  return beta;
}
